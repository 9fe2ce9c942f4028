"""Every error as ``{"error": {"code", "message"}}``: domain errors, bad JSON, HTTP errors."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from . import bp


def error_response(status: int, code: str, message: str, **extra: Any) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    return response


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    return error_response(exc.status, exc.code, exc.message)


@bp.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    problems = [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "problem": e["msg"]}
        for e in exc.errors(include_url=False)
    ]
    first = problems[0]
    return error_response(422, "validation_failed",
                          f"{first['field']}: {first['problem']}", details=problems)


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    return error_response(400, "csrf_failed", exc.description)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)
