"""Domain errors: each carries a stable code and a message for users, and maps to one HTTP status.

The API and the pages both answer a domain error with ``http_status`` and the error's ``code``, so the same
bad input gets the same status and code from either (no FastAPI here: only the numbers).
"""

from __future__ import annotations

from typing import Any


class MuqingError(Exception):
    """Base of every domain error."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class NotFound(MuqingError):
    """The thing does not exist, or the user may not see it."""

    code = "not_found"


class Conflict(MuqingError):
    """The request clashes with the current state (e.g. an illegal transition)."""

    code = "conflict"


class PermissionDenied(MuqingError):
    """The user's role does not allow this."""

    code = "forbidden"


class AuthenticationFailed(MuqingError):
    """Wrong credentials or an expired session."""

    code = "unauthenticated"


class TooManyAttempts(AuthenticationFailed):
    """Too many failed sign-ins for this user name or address; wait before trying again."""

    code = "throttled"


class InvalidInput(MuqingError):
    """Input that the domain rules refuse (the field is named in details)."""

    code = "invalid_input"


class ConfigurationError(MuqingError):
    """Data an admin maintains is missing or wrong (e.g. a holiday calendar year not covered)."""

    code = "configuration"


class ServiceUnavailable(MuqingError):
    """A service the request needs (database, search, broker) is down."""

    code = "service_unavailable"


HTTP_STATUS: dict[type[MuqingError], int] = {
    NotFound: 404,
    Conflict: 409,
    PermissionDenied: 403,
    AuthenticationFailed: 401,
    TooManyAttempts: 429,
    InvalidInput: 422,
    ConfigurationError: 500,
    ServiceUnavailable: 503,
}


def http_status(error: MuqingError) -> int:
    """The HTTP status of a domain error (400 for one of no known kind)."""
    for error_type in type(error).__mro__:
        if error_type in HTTP_STATUS:
            return HTTP_STATUS[error_type]
    return 400


def error_body(error: MuqingError) -> dict[str, Any]:
    """The JSON the API answers a domain error with: ``detail`` (the message), ``code`` and ``details``."""
    return {"detail": error.message, "code": error.code, **({"details": error.details} if error.details else {})}
