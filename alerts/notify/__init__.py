"""Notifications: who hears of what (rules), the message (render), one sender per channel, delivery with retries."""
