"""Alerts: raising, routing, deadlines and the response lifecycle of each case."""
