"""The web UI (server-rendered pages in Simplified Chinese, every asset served by us)."""
