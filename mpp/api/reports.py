"""Reports, SKM surveys and complaints under /api/v1: thin views over the services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import Response, jsonify, request
from pydantic import BaseModel, BeforeValidator, Field, model_validator

from ..domain.errors import DomainError, ValidationFailed
from ..extensions import limiter
from ..hall import current_hall
from ..hall_access import bound_counter
from ..models import Device
from ..services import report_export
from ..services.complaints import STATUSES, ComplaintService
from ..services.reports import ReportService, check_range, parse_day
from ..services.survey import SurveyService
from . import bp
from .answers import (
    ComplaintAnswer,
    ComplaintsAnswer,
    DailyReport,
    Evidence,
    IkmAnswer,
    LiveReport,
    RangeReport,
    SurveyAnswer,
    SurveyState,
)
from .auth import current_actor, requires
from .openapi import BINARY, answers, api
from .schemas import AS_WHOLE_NUMBER, Body, Id

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


#: a local date in a query string: 400 ``invalid_date`` unless YYYY-MM-DD from 2000 to 2199
Day = Annotated[dt.date, BeforeValidator(parse_day)]


def _check_format(value: object) -> object:
    if value not in FORMATS:
        raise DomainError(f"format must be one of {', '.join(FORMATS)}.", "invalid_format")
    return value


class ScopeQuery(BaseModel):
    agency: str | None = Field(
        default=None, description="agency id or code (site-wide managers and admins; agency "
                                  "managers always see their own)")


class PeriodQuery(ScopeQuery):
    from_: Day = Field(alias="from", description="first local date, YYYY-MM-DD")
    to: Day | None = Field(default=None,
                           description="last local date (default: from); at most 366 days")

    @model_validator(mode="before")
    @classmethod
    def _from_is_required(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("from"):
            parse_day(None, "from")  # 400 invalid_date, as every other date mistake
        return data

    @model_validator(mode="after")
    def _a_real_range(self) -> PeriodQuery:
        check_range(self.from_, self.end)
        return self

    @property
    def end(self) -> dt.date:
        return self.to or self.from_


FormatField = Field(
    default="json", description="json (default), csv (UTF-8 with BOM) or xlsx for programs; "
    "csv-id (`;` and decimal comma, for Excel set to Indonesian) or xlsx-id for people: "
    "Indonesian column names, minutes")
Format = Annotated[Literal[FORMATS], BeforeValidator(_check_format)]  # type: ignore[valid-type]


class DailyQuery(ScopeQuery):
    date: Day = Field(description="the local business date, YYYY-MM-DD")
    format: Format = FormatField

    @model_validator(mode="before")
    @classmethod
    def _date_is_required(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("date"):
            parse_day(None)
        return data


class RangeQuery(PeriodQuery):
    format: Format = FormatField


def _check_status(value: object) -> object:
    if value is not None and value not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.",
                               "invalid_status")
    return value


class ComplaintsQuery(ScopeQuery):
    status: Annotated[Literal["open", "in_progress", "closed"] | None,
                      BeforeValidator(_check_status)] = Field(
        default=None, description="only complaints with this status")


#: what a report in csv or xlsx is answered as, besides JSON
EXPORTS = {"text/csv": {"type": "string"}, MIME["xlsx"]: BINARY}


def _reports() -> ReportService:
    hall = current_hall()
    return ReportService(hall.db, hall.clock)


def _scope(query: ScopeQuery) -> int | None:
    """The agency the caller may see (``?agency=`` narrows it for site-wide callers)."""
    actor = current_actor()
    assert actor is not None
    hall = current_hall()
    with hall.db.read() as s:
        return ReportService.resolve_scope(s, actor.agency_id, query.agency)


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


@bp.get("/reports/daily")
@requires("manager", "admin")
@api.validate(resp=answers(DailyReport, media=EXPORTS))
def report_daily(query: DailyQuery) -> Any:
    """The daily report of the contract (json, csv or xlsx)."""
    return _send(_reports().daily(query.date, _scope(query)), query.format)


@bp.get("/reports/range")
@requires("manager", "admin")
@api.validate(resp=answers(RangeReport, media=EXPORTS))
def report_range(query: RangeQuery) -> Any:
    """The report over local dates from..to (at most 366 days), with the previous period."""
    return _send(_reports().report(query.from_, query.end, _scope(query)), query.format)


@bp.get("/reports/ikm")
@requires("manager", "admin")
@api.validate(resp=answers(IkmAnswer))
def report_ikm(query: PeriodQuery) -> Any:
    """The IKM (PermenPANRB 14/2017) of a period, in total and per agency and service."""
    return jsonify(_reports().ikm(query.from_, query.end, _scope(query)))


@bp.get("/reports/live")
@requires("manager", "admin")
@api.validate(resp=answers(LiveReport))
def report_live(query: ScopeQuery) -> Any:
    """Today so far: waiting now, longest wait now, counters open."""
    return jsonify(_reports().live(_scope(query)))


@bp.get("/reports/evidence")
@requires("manager", "admin")
@api.validate(resp=answers(Evidence))
def report_evidence(query: PeriodQuery) -> Any:
    """The Ombudsman evidence of a period: standards, SKM, complaints, priority service."""
    return jsonify(_reports().evidence(query.from_, query.end, _scope(query)))


def _surveys() -> SurveyService:
    hall = current_hall()
    return SurveyService(hall.db, hall.clock)


@bp.get("/surveys/by-token/<token>")
@api.validate(resp=answers(SurveyState))
def survey_state(token: str) -> Any:
    """Whether the ticket's satisfaction survey is open, and its nine elements."""
    return jsonify(_surveys().state(token))


@bp.post("/surveys")
@api.validate(resp=answers(SurveyAnswer, status=201))
def submit_survey(json: SurveyBody) -> Any:
    """Answer the SKM for a finished ticket (its token): 409 when not done or answered. Sent
    with the token of the rating tablet registered to the ticket's counter, the answer is
    recorded as the tablet's (``counter_tablet``), else as the status page's."""
    return jsonify(_surveys().submit(json.token, json.scores, json.comment,
                                     tablet_of=_tablet_counter(),
                                     respondent=json.respondent)), 201


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
@api.validate(resp=answers(ComplaintAnswer, status=201, limited=True))
def submit_complaint(json: ComplaintBody) -> Any:
    """A citizen's complaint (pengaduan); anyone may send one."""
    data = _complaints().submit(json.body, json.name, json.contact, json.agency,
                                json.ticket_token)
    return jsonify({"complaint": data}), 201


@bp.get("/complaints")
@requires("manager", "admin")
@api.validate(resp=answers(ComplaintsAnswer))
def list_complaints(query: ComplaintsQuery) -> Any:
    """Complaints newest first (``?status=open|in_progress|closed``), scoped by agency."""
    return jsonify({"complaints": _complaints().list(_scope(query), query.status)})


@bp.patch("/complaints/<int:complaint_id>")
@requires("manager", "admin")
@api.validate(resp=answers(ComplaintAnswer))
def update_complaint(complaint_id: int, json: ComplaintUpdateBody) -> Any:
    """Record the follow-up of a complaint: its status and the response."""
    actor = current_actor()
    assert actor is not None
    return jsonify({"complaint": _complaints().update(actor, complaint_id, json.status,
                                                      json.response)})
