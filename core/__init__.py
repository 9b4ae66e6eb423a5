"""Shared foundation: settings, database, models, errors, jobs."""
