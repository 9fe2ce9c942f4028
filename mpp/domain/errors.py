"""Domain errors: each carries a stable snake_case code and the HTTP status it maps to."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the client can understand; ``code`` is stable, ``message`` is for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
