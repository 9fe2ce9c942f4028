"""Reports, SKM surveys and complaints under /api/v1: thin views over the services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Response, jsonify, request
from pydantic import Field

from ..domain.errors import DomainError
from ..extensions import limiter
from ..hall import current_hall
from ..hall_access import bound_counter
from ..models import Device
from ..services import report_export
from ..services.complaints import ComplaintService
from ..services.reports import ReportService, check_range, parse_day
from ..services.survey import SurveyService
from . import bp
from .auth import current_actor, requires
from .openapi import ANSWERS, BODIES, CREATED, EXTRA_MEDIA, QUERY, SCHEMAS, _obj, _ref
from .schemas import AS_WHOLE_NUMBER, Body, Id, parse_body

#: csv and xlsx are for programs (English column names, seconds); csv-id and xlsx-id for
#: people: Indonesian column names, minutes, and csv-id opens in Excel set to Indonesian
FORMATS = ("json", "csv", "xlsx", "csv-id", "xlsx-id")
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MIME["csv-id"], MIME["xlsx-id"] = MIME["csv"], MIME["xlsx"]


class SurveyBody(Body):
    token: str = Field(min_length=1, max_length=64)
    #: the nine SKM elements U1..U9, each 1 (tidak baik) to 4 (sangat baik)
    scores: list[Annotated[int, Field(ge=1, le=4), AS_WHOLE_NUMBER]] = Field(min_length=9,
                                                                             max_length=9)
    comment: str = Field(default="", max_length=2000)
    #: the respondent's profile, every field optional: {"sex", "age", "education",
    #: "occupation"} with the codes of GET /surveys/by-token/{token} ``profile``
    respondent: dict[str, str | None] | None = None
    #: ignored, kept so that older pages still validate: the server records the channel
    source: Literal["status_page", "counter_tablet"] | None = None


class ComplaintBody(Body):
    body: str = Field(min_length=1, max_length=4000)
    name: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200)
    agency: Id | Annotated[str, Field(max_length=40)] | None = None
    ticket_token: str | None = Field(default=None, max_length=64)


class ComplaintUpdateBody(Body):
    status: Literal["open", "in_progress", "closed"] | None = None
    response: str | None = Field(default=None, max_length=4000)


def _reports() -> ReportService:
    hall = current_hall()
    return ReportService(hall.db, hall.clock)


def _scope() -> int | None:
    """The agency the caller may see (``?agency=`` narrows it for site-wide callers)."""
    actor = current_actor()
    assert actor is not None
    hall = current_hall()
    with hall.db.read() as s:
        return ReportService.resolve_scope(s, actor.agency_id, request.args.get("agency"))


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise DomainError(f"format must be one of {', '.join(FORMATS)}.", "invalid_format")
    return fmt


def _send(report: dict[str, Any], fmt: str) -> Any:
    if fmt == "json":
        return jsonify(report)
    data = {"csv": report_export.to_csv, "csv-id": report_export.to_csv_id,
            "xlsx": report_export.to_xlsx,
            "xlsx-id": lambda r: report_export.to_xlsx(r, people=True)}[fmt](report)
    name = report_export.filename(report, fmt.removesuffix("-id"))
    if fmt.endswith("-id"):
        name = name.replace(".", "-excel-id.", 1) if fmt == "csv-id" else name
    # content_type, not mimetype: the charset is already in MIME (no second "; charset")
    return Response(data, content_type=MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


def _range() -> tuple[Any, Any]:
    start = parse_day(request.args.get("from"), "from")
    end = parse_day(request.args.get("to") or request.args.get("from"), "to")
    check_range(start, end)
    return start, end


@bp.get("/reports/daily")
@requires("manager", "admin")
def report_daily() -> Any:
    """The daily report of the contract (json, csv or xlsx)."""
    fmt = _format()
    day = parse_day(request.args.get("date"))
    return _send(_reports().daily(day, _scope()), fmt)


@bp.get("/reports/range")
@requires("manager", "admin")
def report_range() -> Any:
    """The report over local dates from..to (at most 366 days), with the previous period."""
    fmt = _format()
    start, end = _range()
    return _send(_reports().report(start, end, _scope()), fmt)


@bp.get("/reports/ikm")
@requires("manager", "admin")
def report_ikm() -> Any:
    """The IKM (PermenPANRB 14/2017) of a period, in total and per agency and service."""
    start, end = _range()
    return jsonify(_reports().ikm(start, end, _scope()))


@bp.get("/reports/live")
@requires("manager", "admin")
def report_live() -> Any:
    """Today so far: waiting now, longest wait now, counters open."""
    return jsonify(_reports().live(_scope()))


@bp.get("/reports/evidence")
@requires("manager", "admin")
def report_evidence() -> Any:
    """The Ombudsman evidence of a period: standards, SKM, complaints, priority service."""
    start, end = _range()
    return jsonify(_reports().evidence(start, end, _scope()))


def _surveys() -> SurveyService:
    hall = current_hall()
    return SurveyService(hall.db, hall.clock)


@bp.get("/surveys/by-token/<token>")
def survey_state(token: str) -> Any:
    """Whether the ticket's satisfaction survey is open, and its nine elements."""
    return jsonify(_surveys().state(token))


@bp.post("/surveys")
def submit_survey() -> Any:
    """Answer the SKM for a finished ticket (its token): 409 when not done or answered. Sent
    with the token of the rating tablet registered to the ticket's counter, the answer is
    recorded as the tablet's (``counter_tablet``), else as the status page's."""
    body = parse_body(SurveyBody)
    return jsonify(_surveys().submit(body.token, body.scores, body.comment,
                                     tablet_of=_tablet_counter(),
                                     respondent=body.respondent)), 201


def _tablet_counter() -> int | None:
    """The counter the calling display device is the rating tablet of, if any."""
    actor = current_actor()
    if actor is None or actor.role != "display" or actor.device_id is None:
        return None
    with current_hall().db.read() as s:
        device = s.get(Device, actor.device_id)
        return bound_counter(device.settings if device is not None else None)


def _complaints() -> ComplaintService:
    hall = current_hall()
    return ComplaintService(hall.db, hall.clock)


@bp.post("/complaints")
@limiter.limit("30 per minute", key_func=lambda: request.remote_addr or "?")
def submit_complaint() -> Any:
    """A citizen's complaint (pengaduan); anyone may send one."""
    body = parse_body(ComplaintBody)
    data = _complaints().submit(body.body, body.name, body.contact, body.agency,
                                body.ticket_token)
    return jsonify({"complaint": data}), 201


@bp.get("/complaints")
@requires("manager", "admin")
def list_complaints() -> Any:
    """Complaints newest first (``?status=open|in_progress|closed``), scoped by agency."""
    return jsonify({"complaints": _complaints().list(_scope(), request.args.get("status"))})


@bp.patch("/complaints/<int:complaint_id>")
@requires("manager", "admin")
def update_complaint(complaint_id: int) -> Any:
    """Record the follow-up of a complaint: its status and the response."""
    body = parse_body(ComplaintUpdateBody)
    actor = current_actor()
    assert actor is not None
    return jsonify({"complaint": _complaints().update(actor, complaint_id, body.status,
                                                      body.response)})




# -- OpenAPI ---------------------------------------------------------------------------------
_int, _str, _num = {"type": "integer"}, {"type": "string"}, {"type": ["number", "null"]}
_date_q = {"type": "string", "format": "date"}


def _q(name: str, schema: dict[str, Any], required: bool, text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": text}


_AGENCY_Q = _q("agency", _str, False, "agency id or code (site-wide managers and admins; "
                                      "agency managers always see their own)")
_FORMAT_Q = _q("format", {"type": "string", "enum": list(FORMATS)}, False,
               "json (default), csv (UTF-8 with BOM) or xlsx for programs; csv-id (`;` and "
               "decimal comma, for Excel set to Indonesian) or xlsx-id for people: Indonesian "
               "column names, minutes")
_RANGE_Q = [_q("from", _date_q, True, "first local date, YYYY-MM-DD"),
            _q("to", _date_q, False, "last local date (default: from); at most 366 days")]
_ROW = _obj({"id": _int, "code": _str, "name": _str, "issued": _int, "served": _int,
             "no_show": _int, "cancelled": _int, "expired": _int,
             "avg_wait_seconds": _num, "p90_wait_seconds": _num,
             "avg_service_seconds": _num, "p90_service_seconds": _num,
             "sla_met": _int, "sla_total": _int, "sla_percent": _num},
            ["id", "name", "issued", "served", "no_show", "avg_wait_seconds",
             "p90_wait_seconds", "avg_service_seconds"])
_IKM = {"type": ["object", "null"], "properties": {
    "respondents": _int, "ikm": {"type": "number"},
    "grade": {"type": "string", "enum": ["A", "B", "C", "D"]}, "mutu": _str,
    "elements": {"type": "array", "items": _obj({"code": _str, "name": _str,
                                                 "average": {"type": "number"}})}}}
_BY_ISSUE = "by the local hour the ticket was taken (the citizens who came in that hour)"
_BY_FINISH = "by the local hour the ticket was finished (the counters' work in that hour)"


def _described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


_HOUR = _obj({
    "hour": _described(_int, "local hour of the day, 0-23 (all 24 are listed)"),
    "issued": _described(_int, f"tickets issued, {_BY_ISSUE}"),
    "served": _described(_int, f"tickets finished (done), {_BY_FINISH}"),
    "no_show": _described(_int, f"tickets now no_show, {_BY_ISSUE}"),
    "cancelled": _described(_int, f"tickets now cancelled, {_BY_ISSUE}"),
    "expired": _described(_int, f"tickets now expired, {_BY_ISSUE}"),
    "avg_wait_seconds": _described(_num, f"mean wait (issue to first call) of the tickets "
                                         f"called, {_BY_ISSUE}; null when none"),
    "p90_wait_seconds": _described(_num, f"nearest-rank 90th percentile of those waits, "
                                         f"{_BY_ISSUE}"),
    "avg_service_seconds": _described(_num, f"mean service time (start, or last call, to "
                                            f"finish) of the tickets served, {_BY_FINISH}"),
    "p90_service_seconds": _described(_num, f"nearest-rank 90th percentile of those service "
                                            f"times, {_BY_FINISH}"),
})
SCHEMAS["ReportRow"] = _ROW
SCHEMAS["Ikm"] = _IKM
_rows = {"type": "array", "items": _ref("ReportRow")}
_REPORT = {
    "totals": _obj({**{k: _int for k in ("issued", "served", "no_show", "cancelled",
                                         "expired", "waiting")},
                    **{k: _num for k in ("avg_wait_seconds", "p90_wait_seconds",
                                         "avg_service_seconds", "p90_service_seconds")}}),
    "by_agency": _rows, "by_service": _rows, "by_counter": _rows, "by_staff": _rows,
    "by_hour": {"type": "array", "items": _HOUR,
                "description": "24 rows, one per local hour. Issued, no_show, cancelled, "
                               "expired and the waits go " + _BY_ISSUE + "; served and the "
                               "service times go " + _BY_FINISH + "."},
    "by_day": {"type": "array", "items": {"type": "object"}},
    "by_priority": {"type": "array", "items": _obj({"category": _str, "issued": _int,
                                                    "served": _int})},
    "ikm": _obj({"total": _ref("Ikm"), "by_agency": {"type": "array"},
                 "by_service": {"type": "array"}}),
}
ANSWERS.update({
    "api.report_daily": _obj({"date": {"type": "string", "format": "date"}, **_REPORT},
                             ["date", "totals", "by_agency", "by_service", "by_counter",
                              "by_hour"]),
    "api.report_range": _obj({"from": _date_q, "to": _date_q, "previous": {"type": "object"},
                              **_REPORT}, ["from", "to", "totals", "by_hour"]),
    "api.report_ikm": _obj({"total": _ref("Ikm"), "by_agency": {"type": "array"},
                            "by_service": {"type": "array"}}),
    "api.report_live": _obj({"waiting": _int, "in_service": _int, "served": _int,
                             "longest_wait_seconds": {"type": ["integer", "null"]},
                             "counters_open": _int, "counters_total": _int}),
    "api.survey_state": _obj({"ticket_status": _str, "open": {"type": "boolean"},
                              "answered": {"type": "boolean"},
                              "elements": {"type": "array"}}),
    "api.submit_survey": _obj({"survey": {"type": "object"}}),
    "api.submit_complaint": _obj({"complaint": {"type": "object"}}),
    "api.list_complaints": _obj({"complaints": {"type": "array"}}),
    "api.update_complaint": _obj({"complaint": {"type": "object"}}),
})
EXTRA_MEDIA.update({endpoint: {"text/csv": {"type": "string"}, MIME["xlsx"]: {
    "type": "string", "format": "binary"}} for endpoint in ("api.report_daily",
                                                              "api.report_range")})
BODIES.update({"api.submit_survey": SurveyBody, "api.submit_complaint": ComplaintBody,
               "api.update_complaint": ComplaintUpdateBody})
CREATED.update({"api.submit_survey", "api.submit_complaint"})
QUERY.update({
    "api.report_daily": [_q("date", _date_q, True, "the local business date, YYYY-MM-DD"),
                         _FORMAT_Q, _AGENCY_Q],
    "api.report_range": [*_RANGE_Q, _FORMAT_Q, _AGENCY_Q],
    "api.report_ikm": [*_RANGE_Q, _AGENCY_Q],
    "api.report_evidence": [*_RANGE_Q, _AGENCY_Q],
    "api.report_live": [_AGENCY_Q],
    "api.list_complaints": [_q("status", {"type": "string",
                                          "enum": ["open", "in_progress", "closed"]},
                               False, "only complaints with this status"), _AGENCY_Q],
})
