"""The HTTP API (FastAPI): routes, dependencies and the single mapping of domain errors to HTTP."""
