"""API routers, one file per area."""
