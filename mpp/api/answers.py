"""What the API answers, as pydantic models: the OpenAPI document's response schemas.

spectree turns these into the document (``mpp.api.openapi``), and with
``API_VALIDATE_RESPONSES`` set (the tests) it checks every JSON answer against them, so an
answer that loses a field, or a model that promises one the code does not send, fails a
test. The models list what a client may rely on; answers carry more keys than listed (the
models ignore extra keys), and a key listed without a default is always present.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

TicketStatus = Literal["waiting", "called", "serving", "done", "no_show", "cancelled",
                       "expired"]


class ErrorBody(BaseModel):
    code: str = Field(description="stable snake_case code, e.g. invalid_transition")
    message: str = Field(description="for people")


class Error(BaseModel):
    """Every error: ``{"error": {"code", "message"}}`` (422 adds ``details``)."""

    error: ErrorBody


# -- the contract's objects ------------------------------------------------------------------
class Agency(BaseModel):
    id: int
    code: str
    name: str


class User(BaseModel):
    id: int
    username: str
    role: Literal["admin", "manager", "staff"]


class Service(BaseModel):
    id: int
    code: str
    name: str
    prefix: str
    agency: Agency
    open: bool = Field(description="a kiosk can issue a ticket for it now")
    closed_reason: str | None
    waiting: int
    requirements: list[str]
    sla_minutes: int | None
    fee: int
    product: str = Field("", description="what the citizen receives (produk pelayanan)")
    complaints: str = Field("", description="how complaints are handled: the service's "
                                            "text, else the site's")
    texts_en: dict[str, Any] = Field(
        default_factory=dict, description="the standard in English where written: "
                                          "requirements, procedure, product, complaints")
    hours_week: list[dict[str, Any]] = Field(
        default_factory=list, description='the week in weekday order, days with the same '
        'hours grouped: [{"from": "mon", "to": "thu", "ranges": [["08:00", "15:00"]]}]; '
        'empty ranges: closed; the Friday break taken out')
    opens_next: dt.datetime | None = Field(
        None, description="when a closed service next takes tickets (site time); null "
                          "while open or when not within 14 days")
    remote_join: bool = Field(False, description="tickets for today may be taken from a "
                              "phone (POST /tickets/remote)")


class Counter(BaseModel):
    id: int
    name: str
    agency: Agency
    service_ids: list[int]
    open: bool


class TicketService(BaseModel):
    id: int
    code: str
    name: str


class CounterRef(BaseModel):
    id: int
    name: str


class Ticket(BaseModel):
    id: int
    number: str = Field(examples=["A007"])
    service: TicketService
    agency: Agency
    status: TicketStatus
    priority: bool
    priority_category: str | None
    booked: bool = Field(False, description="issued at a booking's on-time check-in: "
                         "queued at the slot's start")
    remote: bool = Field(False, description="taken from a phone (POST /tickets/remote)")
    check_in_by: dt.datetime | None = Field(
        None, description="a remote ticket not checked in yet: it must be checked in at a "
                          "kiosk or counter by then, or it is cancelled; call-next passes over "
                          "it until then (null: nothing to do)")
    people_ahead: int
    estimated_wait_minutes: int | None
    open_counters: int | None = Field(
        None, description="while waiting: the open counters serving its service (0: nobody "
                          "calls it now, so it is not 'next')")
    counter: CounterRef | None
    call_count: int = Field(0, description="calls and recalls in its current service (a "
                            "transfer starts the count again): more than 1 is a recall")
    transfer_count: int = Field(0, description="transfers so far")
    issued_at: dt.datetime
    arrived_at: dt.datetime | None = Field(
        None, description="when the citizen was there: the ticket taken, or the booking "
                          "checked in (a booked ticket's issued_at is its slot's start); "
                          "waiting times are measured from it")
    called_at: dt.datetime | None
    # null for everyone but the ticket's holder (the issuing answer, by-token reads): the
    # token is the citizen's key to the status page, the survey and complaints
    token: str | None
    status_url: str | None = Field(json_schema_extra={"format": "uri"})


class Call(BaseModel):
    ticket: Ticket
    counter: CounterRef
    recall: bool
    at: dt.datetime


class WaitingCount(BaseModel):
    service_id: int
    waiting: int
    issuing: bool | None = Field(None, description="a kiosk issues its tickets now")
    open_counters: int | None = Field(None, description="its counters open now")
    estimated_wait_minutes: int | None = Field(
        None, description="what a ticket taken now would wait (the status page's rule); null "
        "while it issues no ticket or no counter serves it")


class AgencyWaiting(BaseModel):
    """One agency's row of the board's waiting panel (mpp/services/outlook.py)."""

    agency_id: int
    waiting: int
    open_counters: int | None = None
    issuing: bool | None = Field(None, description="one of its services issues tickets now")
    closed_reason: Literal["closed", "break", "quota_reached"] | None = Field(
        None, description="why none of its services issues tickets now")
    estimated_wait_minutes_min: int | None = Field(
        None, description="the shortest estimate among its issuing services with a counter "
        "open (null: none)")
    estimated_wait_minutes: int | None = Field(None, description="the longest such estimate")


class CounterTicket(BaseModel):
    id: int
    name: str
    ticket: Ticket | None


class Snapshot(BaseModel):
    """The hall snapshot (tickets' tokens are null for every caller)."""

    services: list[WaitingCount]
    agency_waiting: list[AgencyWaiting] = Field(default_factory=list)
    counters: list[CounterTicket]
    recent_calls: list[Call]


class SessionInfo(BaseModel):
    """For pages: who is signed in (null when nobody), and the CSRF token for writes."""

    user: dict[str, Any] | None
    csrf_token: str


# -- answers of the contract's endpoints -----------------------------------------------------
class TicketAnswer(BaseModel):
    ticket: Ticket


class MaybeTicketAnswer(BaseModel):
    ticket: Ticket | None = Field(description="null when nothing waits")


class LoginAnswer(BaseModel):
    token: str
    user: User
    expires_in: int = Field(description="seconds the token stays valid")


class LogoutAnswer(BaseModel):
    ok: bool


class Me(BaseModel):
    role: Literal["admin", "manager", "staff", "kiosk", "display", "printer"]
    user_id: int | None
    device_id: int | None
    agency_id: int | None
    name: str | None


class ServicesAnswer(BaseModel):
    services: list[Service]


class CountersAnswer(BaseModel):
    counters: list[Counter]


class CounterAnswer(BaseModel):
    counter: Counter


class WaitingRow(BaseModel):
    id: int
    number: str
    status: TicketStatus
    service: TicketService
    priority: bool
    remote: bool = False
    check_in_by: dt.datetime | None = Field(None, description="a remote ticket awaiting "
                                            "check-in: call-next passes over it (see Ticket)")
    issued_at: dt.datetime
    arrived_at: dt.datetime | None = Field(None, description="when the citizen was there "
                                           "(see Ticket)")
    people_ahead: int
    position: int


class CounterView(BaseModel):
    """The counter console: the counter, the ticket it holds, who waits for it."""

    counter: Counter
    served_today: int
    ticket: Ticket | None
    waiting: list[WaitingRow]
    services: list[Service]


# -- printing --------------------------------------------------------------------------------
JobState = Literal["pending", "failed", "printed", "given_up"]
JobReason = Literal["issue", "reprint"]
PaperState = Literal["ok", "low", "out", "unknown"]


class PrintJob(BaseModel):
    id: int
    ticket_id: int
    printer_device_id: int | None
    reason: JobReason
    state: JobState
    ok: bool | None
    error: str | None
    attempts: int


class Printer(BaseModel):
    id: int
    name: str
    connected: bool
    ready: bool | None
    online: bool | None
    paper: PaperState
    error: str | None
    pending_jobs: int


class JobAnswer(BaseModel):
    job: PrintJob


class JobsAnswer(BaseModel):
    jobs: list[PrintJob]


class PrintersAnswer(BaseModel):
    printers: list[Printer]


class JobStatus(BaseModel):
    state: JobState
    reason: JobReason
    attempts: int


class PrinterStatus(BaseModel):
    connected: bool
    ready: bool | None
    paper: PaperState
    problem: Literal["agent_offline", "printer_offline", "out_of_paper",
                     "printer_error"] | None


class PrintStatus(BaseModel):
    """Whether the ticket was printed, and its printer's state."""

    job: JobStatus | None
    printer: PrinterStatus | None


# -- reports ---------------------------------------------------------------------------------
_BY_ISSUE = "by the local hour the ticket was taken (the citizens who came in that hour)"
_BY_FINISH = "by the local hour the ticket was finished (the counters' work in that hour)"


class ReportRow(BaseModel):
    id: int | None
    code: str | None = None
    name: str
    issued: int
    served: int
    no_show: int
    cancelled: int | None = None
    expired: int | None = None
    avg_wait_seconds: float | None
    p90_wait_seconds: float | None
    avg_service_seconds: float | None
    p90_service_seconds: float | None = None
    sla_met: int | None = None
    sla_total: int | None = None
    sla_percent: float | None = None


class HourRow(BaseModel):
    hour: int = Field(description="local hour of the day, 0-23 (all 24 are listed)")
    issued: int = Field(description=f"tickets issued, {_BY_ISSUE}")
    served: int = Field(description=f"tickets finished (done), {_BY_FINISH}")
    no_show: int = Field(description=f"tickets now no_show, {_BY_ISSUE}")
    cancelled: int = Field(description=f"tickets now cancelled, {_BY_ISSUE}")
    expired: int = Field(description=f"tickets now expired, {_BY_ISSUE}")
    avg_wait_seconds: float | None = Field(
        description=f"mean wait (arrival, or a booking's check-in, to first call) of the "
                    f"tickets called, {_BY_ISSUE}; "
                    f"null when none")
    p90_wait_seconds: float | None = Field(
        description=f"nearest-rank 90th percentile of those waits, {_BY_ISSUE}")
    avg_service_seconds: float | None = Field(
        description=f"mean service time (start, or last call, to finish) of the tickets "
                    f"served, {_BY_FINISH}")
    p90_service_seconds: float | None = Field(
        description=f"nearest-rank 90th percentile of those service times, {_BY_FINISH}")


class Totals(BaseModel):
    issued: int
    served: int
    no_show: int
    cancelled: int
    expired: int
    waiting: int
    avg_wait_seconds: float | None
    p90_wait_seconds: float | None
    avg_service_seconds: float | None
    p90_service_seconds: float | None
    booked: int = Field(0, description="bookings for these days, not cancelled")
    checked_in: int = Field(0, description="bookings checked in")
    booking_no_show: int = Field(0, description="bookings never checked in by the day's close")
    remote_joined: int = Field(0, description="tickets taken from a phone (remote join)")
    remote_checked_in: int = Field(0, description="remote tickets checked in at the hall")
    remote_expired: int = Field(0, description="remote tickets not checked in in time: "
                                "cancelled, never called")


class IkmElement(BaseModel):
    code: str
    name: str
    average: float


class Ikm(BaseModel):
    respondents: int
    ikm: float | None
    grade: Literal["A", "B", "C", "D"] | None
    mutu: str | None
    elements: list[IkmElement]


class IkmAnswer(BaseModel):
    total: Ikm | None
    by_agency: list[dict[str, Any]]
    by_service: list[dict[str, Any]]
    respondent_profile: list[dict[str, Any]] = Field(
        default_factory=list, description="respondents per sex, age, education and "
                                          "occupation, and those who did not say")


class PriorityRow(BaseModel):
    category: str
    issued: int
    served: int


class BookingFigures(BaseModel):
    """The bookings of a group (mpp.domain.booking_report; docs/reports.md)."""

    made: int = Field(description="bookings for these days, cancelled ones too")
    booked: int = Field(description="bookings not cancelled (the totals' booked)")
    cancelled: int
    checked_in: int = Field(description="checked in, on time or late")
    checked_in_late: int = Field(description="checked in after the slot's start and grace: "
                                 "queued as walk-ins")
    no_show: int = Field(description="never checked in by the day's close")
    pending: int = Field(description="not checked in yet, the day not closed")
    called: int = Field(description="checked in on time and called: the punctuality's base")
    called_within: int = Field(description="of those, first called no later than "
                               "within_minutes after the slot's start")
    punctual_percent: float | None = Field(description="called_within / called in percent, "
                                           "half-up to 0.1; null when none was called")
    median_late_minutes: float | None = Field(
        description="nearest-rank median of how late the first call came after the slot's "
                    "start (0 when at or before it), minutes, half-up to 0.1")
    remote_joined: int = Field(0, description="tickets taken from a phone (remote join), "
                               "by the ticket's day and service")
    remote_checked_in: int = Field(0, description="of those, checked in at the hall")
    remote_expired: int = Field(0, description="of those, not checked in in time: "
                                "cancelled, never called")


class BookingServiceRow(BookingFigures):
    id: int
    code: str
    name: str
    agency_id: int


class BookingDayRow(BookingFigures):
    date: dt.date


class BookingServiceDayRow(BookingServiceRow):
    date: dt.date


class BookingReport(BaseModel):
    """Bookings and their punctuality: the slot's day and the booked service."""

    within_minutes: int = Field(description="a call no later than this after the slot's "
                                "start is punctual")
    totals: BookingFigures
    by_service: list[BookingServiceRow] = Field(
        description="the services taking bookings or remote tickets, and any other booked "
                    "in the period")
    by_day: list[BookingDayRow] = Field(description="every day of the period")
    by_service_day: list[BookingServiceDayRow] = Field(
        description="each service on each day it had bookings")


class ReportBody(BaseModel):
    totals: Totals
    by_agency: list[ReportRow]
    by_service: list[ReportRow]
    by_counter: list[ReportRow]
    by_staff: list[ReportRow] = []
    by_hour: list[HourRow] = Field(
        description=f"24 rows, one per local hour. Issued, no_show, cancelled, expired and "
                    f"the waits go {_BY_ISSUE}; served and the service times go {_BY_FINISH}.")
    by_day: list[dict[str, Any]] = []
    by_priority: list[PriorityRow] = []
    ikm: IkmAnswer | None = None
    bookings: BookingReport | None = None


class DailyReport(ReportBody):
    """The daily report of the contract (``?format=json``)."""

    date: dt.date


class RangeReport(ReportBody):
    """The report of a period, with the previous period of the same length."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    previous: dict[str, Any] | None = None


class LiveReport(BaseModel):
    waiting: int
    in_service: int
    served: int
    longest_wait_seconds: int | None
    counters_open: int
    counters_total: int


class Evidence(BaseModel):
    """The Ombudsman evidence of a period."""

    site: dict[str, Any]
    report: dict[str, Any]
    standards: list[dict[str, Any]]
    complaints: dict[str, Any]


# -- surveys and complaints ------------------------------------------------------------------
class SurveyState(BaseModel):
    ticket_status: str
    open: bool
    answered: bool
    elements: list[Any] = Field(description="U1..U9: name, the regulation's question and "
                                            "the element's own four answers (scores 1..4), "
                                            "each in Indonesian and English (name_en, "
                                            "question_en, answers_en)")
    profile: list[Any] = Field(default_factory=list,
                               description="the respondent's profile fields, all optional")


class SurveyAnswer(BaseModel):
    survey: dict[str, Any]


class Complaint(BaseModel):
    id: int
    body: str
    status: Literal["open", "in_progress", "closed"]


class ComplaintAnswer(BaseModel):
    complaint: Complaint


class ComplaintsAnswer(BaseModel):
    complaints: list[Complaint]
