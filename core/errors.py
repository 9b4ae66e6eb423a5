"""Domain errors: each carries a stable code and a message for users; the API maps them to HTTP once."""

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


class AppendOnly(Conflict):
    """The audit log (and a case) is never changed or removed, only added to (or closed, or merged)."""

    code = "append_only"
