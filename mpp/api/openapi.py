"""The OpenAPI 3 document, built from the registered routes so it cannot drift from them.

Each endpoint's summary is its view's docstring; its roles come from ``@requires``; its
request body from ``BODIES``; its answer from ``ANSWERS``. Blueprints of other areas (reports,
admin) add their own entries to ``BODIES`` and ``ANSWERS``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from ..domain.ids import MAX_ID
from .schemas import IssueBody, LoginBody, TransferBody

BODIES: dict[str, type[BaseModel]] = {
    "api.login": LoginBody,
    "api.issue_ticket": IssueBody,
    "api.transfer": TransferBody,
}

#: endpoints whose POST answers 201 Created
CREATED: set[str] = {"api.issue_ticket"}
#: query parameters per endpoint (OpenAPI parameter objects)
QUERY: dict[str, list[dict[str, Any]]] = {}
#: endpoints limited per client address (they may answer 429)
RATE_LIMITED: set[str] = {"api.login", "api.submit_complaint"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


_ticket_answer = _obj({"ticket": _ref("Ticket")})
#: answers that are not JSON (images, files), by endpoint
MEDIA: dict[str, str] = {}
#: other media types an endpoint may answer with (e.g. ``?format=csv``): type -> schema
EXTRA_MEDIA: dict[str, dict[str, Any]] = {}
ANSWERS: dict[str, dict[str, Any]] = {
    "api.login": _obj({"token": {"type": "string"}, "user": _ref("User")}),
    "api.services": _obj({"services": {"type": "array", "items": _ref("Service")}}),
    "api.counters": _obj({"counters": {"type": "array", "items": _ref("Counter")}}),
    "api.queue": _ref("Snapshot"),
    "api.issue_ticket": _ticket_answer,
    "api.ticket_by_token": _ticket_answer,
    "api.get_ticket": _ticket_answer,
    "api.call_next": _obj({"ticket": {"oneOf": [_ref("Ticket"), {"type": "null"}]}}),
    "api.ticket_action": _ticket_answer,
    "api.transfer": _ticket_answer,
    "api.cancel": _ticket_answer,
    "api.open_counter": _obj({"counter": _ref("Counter")}),
    "api.close_counter": _obj({"counter": _ref("Counter")}),
}

_agency = _obj({"id": {"type": "integer"}, "code": {"type": "string"},
                "name": {"type": "string"}})
_nullable_time = {"type": ["string", "null"], "format": "date-time"}
SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _obj({"code": {"type": "string"}, "message": {"type": "string"}})}),
    "Agency": _agency,
    "User": _obj({"id": {"type": "integer"}, "username": {"type": "string"},
                  "role": {"type": "string", "enum": ["admin", "manager", "staff"]}}),
    "Service": _obj({
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "prefix": {"type": "string"}, "agency": _ref("Agency"),
        "open": {"type": "boolean", "description": "a kiosk can issue a ticket now"},
        "waiting": {"type": "integer"},
        "requirements": {"type": "array", "items": {"type": "string"}},
        "sla_minutes": {"type": ["integer", "null"]}, "fee": {"type": "integer"}}),
    "Counter": _obj({"id": {"type": "integer"}, "name": {"type": "string"},
                     "agency": _ref("Agency"),
                     "service_ids": {"type": "array", "items": {"type": "integer"}},
                     "open": {"type": "boolean"}}),
    "Ticket": _obj({
        "id": {"type": "integer"}, "number": {"type": "string", "examples": ["A007"]},
        "service": _obj({"id": {"type": "integer"}, "code": {"type": "string"},
                         "name": {"type": "string"}}),
        "agency": _ref("Agency"),
        "status": {"type": "string", "enum": ["waiting", "called", "serving", "done",
                                              "no_show", "cancelled", "expired"]},
        "priority": {"type": "boolean"},
        "people_ahead": {"type": "integer"},
        "estimated_wait_minutes": {"type": ["integer", "null"]},
        "counter": {"oneOf": [_obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
                              {"type": "null"}]},
        "issued_at": {"type": "string", "format": "date-time"}, "called_at": _nullable_time,
        # null for everyone but the ticket's holder (the issuing answer, by-token reads):
        # the token is the citizen's key to the status page, the survey and complaints
        "token": {"type": ["string", "null"]},
        "status_url": {"type": ["string", "null"], "format": "uri"}}),
    "Call": _obj({"ticket": _ref("Ticket"),
                  "counter": _obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
                  "recall": {"type": "boolean"}, "at": {"type": "string", "format": "date-time"}}),
    "Snapshot": _obj({
        "services": {"type": "array", "items": _obj({"service_id": {"type": "integer"},
                                                     "waiting": {"type": "integer"}})},
        "counters": {"type": "array", "items": _obj({
            "id": {"type": "integer"}, "name": {"type": "string"},
            "ticket": {"oneOf": [_ref("Ticket"), {"type": "null"}]}})},
        "recent_calls": {"type": "array", "items": _ref("Call")}}),
}

_ERRORS = {
    "400": "Malformed JSON or a refused request",
    "401": "No valid token or session",
    "403": "The caller's role or counter may not do this",
    "404": "Unknown id or token",
    "409": "The current state does not allow it (invalid_transition, counter_busy, "
           "service_closed, quota_reached ...)",
    "413": "The request body is larger than MPP_MAX_REQUEST_BYTES",
    "422": "A well-formed body with wrong or missing fields",
}


def _paths_for(rule: str) -> list[tuple[str, dict[str, str]]]:
    """``/tickets/<int:id>/<any(a, b):action>`` gives one OpenAPI path per ``any`` option."""
    options = re.findall(r"<any\(([^)]*)\):(\w+)>", rule)
    if not options:
        return [(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), {})]
    spec, name = options[0]
    out = []
    for choice in [c.strip().strip("'\"") for c in spec.split(",")]:
        concrete = re.sub(r"<any\([^)]*\):\w+>", choice, rule, count=1)
        out += [(p, {name: choice, **fixed}) for p, fixed in _paths_for(concrete)]
    return out


def openapi_document(app: Flask) -> dict[str, Any]:
    """Describe every ``/api/v1`` route of ``app``."""
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        doc = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
        roles = getattr(view, "roles", None)
        for path, _fixed in _paths_for(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                op: dict[str, Any] = {
                    "operationId": f"{rule.endpoint.split('.')[-1]}_{method.lower()}"
                                   + "".join(f"_{v}" for v in _fixed.values()).replace("-", "_"),
                    "summary": doc,
                    "parameters": [
                        {"name": n, "in": "path", "required": True,
                         "schema": ({"type": "integer", "minimum": 1, "maximum": MAX_ID}
                                    if f"int:{n}" in rule.rule else {"type": "string"})}
                        for n in re.findall(r"\{(\w+)\}", path)]
                    + QUERY.get(rule.endpoint, []),
                    "responses": {
                        "200" if not (method == "POST" and rule.endpoint in CREATED)
                        else "201": {
                            "description": "OK",
                            "content": {MEDIA.get(rule.endpoint, "application/json"): {
                                "schema": ANSWERS.get(rule.endpoint, {"type": "object"})},
                                **{media: {"schema": schema} for media, schema
                                   in EXTRA_MEDIA.get(rule.endpoint, {}).items()}}},
                        **{code: {"description": text, "content": {"application/json": {
                            "schema": _ref("Error")}}} for code, text in _ERRORS.items()},
                    },
                }
                if rule.endpoint in RATE_LIMITED:
                    op["responses"]["429"] = {
                        "description": "Too many attempts from this address; wait and retry",
                        "content": {"application/json": {"schema": _ref("Error")}}}
                if roles:
                    op["security"] = [{"bearer": []}, {"session": []}]
                    op["x-roles"] = list(roles)
                    op["description"] = f"Roles: {', '.join(roles)}."
                body = BODIES.get(rule.endpoint)
                if body is not None:
                    op["requestBody"] = {"required": True, "content": {"application/json": {
                        "schema": body.model_json_schema()}}}
                paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "mpp hall API", "version": "1",
                 "description": "Queue and counter API of a Mal Pelayanan Publik. Errors are "
                                "{\"error\": {\"code\", \"message\"}}; times are ISO 8601 with "
                                "the site's UTC offset."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A device token or a token from /auth/login"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "Browser session; writes need X-CSRFToken"}},
        },
    }
