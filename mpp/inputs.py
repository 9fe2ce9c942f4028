"""Reading ids from URLs and query strings the same way everywhere (see mpp.domain.ids).

``<int:...>`` in every route uses :class:`IdConverter`: ASCII digits that fit a 64-bit
column, so ``/tickets/9223372036854775808`` is a 404, never a database error. Query strings
use :func:`query_id` and :func:`query_page`, which refuse what they cannot read with a 400.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError

from .domain.errors import DomainError
from .domain.ids import ID_PATTERN, MAX_ID, parse_count, parse_id

#: the highest page number a paged list accepts
MAX_PAGE = 1_000_000


class IdConverter(BaseConverter):
    """``<int:name>``: a positive id of at most 64 bits (a 404 otherwise)."""

    regex = ID_PATTERN
    weight = 50

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def init_inputs(app: Flask) -> None:
    """Make ``<int:...>`` mean :class:`IdConverter` (call before any blueprint is registered)
    and refuse bodies above ``MAX_CONTENT_LENGTH`` before reading them."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_large_bodies)


def _refuse_large_bodies() -> None:
    """413 for a body declared larger than the limit, whatever the route: nothing of it is
    read. (A body without Content-Length is cut at the limit when it is read.)"""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(
            f"Permintaan terlalu besar (batas {limit:,} byte). / The request is too large "
            f"(the limit is {limit:,} bytes).")


def query_id(name: str) -> int | None:
    """The id in ``?name=``: None when absent or empty, 400 ``invalid_id`` when not an id."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    number = parse_id(raw)
    if number is None:
        raise DomainError(f"{name} must be an id: a whole number from 1 to {MAX_ID}.",
                          "invalid_id")
    return number


def query_page(name: str = "page") -> int:
    """The page number in ``?page=`` (1 when absent), 400 ``invalid_page`` when not one."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return 1
    number = parse_count(raw, MAX_PAGE)
    if number is None:
        raise DomainError(f"{name} must be a whole number from 1 to {MAX_PAGE}.",
                          "invalid_page")
    return number
