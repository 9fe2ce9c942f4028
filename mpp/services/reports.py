"""Manager reports: the contract's daily report, date ranges, live figures, IKM. No Flask.

Everything is aggregated in SQL that runs the same on SQLite and PostgreSQL; only three
small expressions differ by dialect (milliseconds between two times, the local hour of a
time, one element of the survey's JSON scores) and are compiled per dialect below.

Definitions (docs/reports.md explains them for managers):

- A ticket belongs to the business day it was issued on (``Ticket.business_date``, the
  site's local date) and to the service it is in now, so a transferred ticket counts once,
  in the service where it ended. Counter and staff rows count the tickets whose last
  holder they were.
- Times start when the citizen was there (``arrived``): the ticket taken, or, for a
  booking, its check-in (``Ticket.arrived_at``; a booked ticket's ``issued_at`` is its slot's
  start, which may come after the check-in and even after the call). wait = arrived to
  first call (tickets that were called); service = start, or the last call when the ticket
  was never started, to finish (``done`` tickets only); visit = arrived to finish. Each is
  measured in whole milliseconds. The hour "of issue" is the hour of arrival.
- Averages are exact (integer milliseconds summed in SQL) and rounded half-up to 0.1 s.
- The 90th percentile (of waits, and of service times) is the nearest-rank one: sort the
  n values, take the one at rank ceil(0.9 n). It is always a value that occurred; no
  interpolation.
- ``by_hour`` (local hours 0-23) looks at each hour from two sides. The citizens who took
  a ticket in it: ``issued``, ``no_show``, ``cancelled``, ``expired`` and their waits
  (average, 90th percentile) go by the local hour of issue. The counters' work finished in
  it: ``served`` and its service times (average, 90th percentile) go by the local hour of
  finish.
- Service level: the share of ``done`` tickets whose visit took no longer than the
  service's published ``sla_minutes``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..clock import Clock
from ..db import Database
from ..domain import ikm as ikm_math
from ..domain.booking_report import PUNCTUAL_MINUTES, BookingTally
from ..domain.errors import DomainError, Forbidden, ValidationFailed
from ..domain.ids import parse_id
from ..models import (
    Agency,
    Booking,
    Complaint,
    Counter,
    CounterSession,
    RemoteJoin,
    Service,
    Site,
    SurveyResponse,
    Ticket,
    User,
)
from ..sql_json import json_int
from ..sql_time import millis_between
from .bookings import booking_totals
from .presenter import site_of

MAX_RANGE_DAYS = 366
#: threads that run one part of a PostgreSQL report beside the request's own connection
_HELPERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mpp-report")
PRIORITY_CATEGORIES = ("elderly", "disabled", "pregnant", "child")
STATUSES = ("waiting", "called", "serving", "done", "no_show", "cancelled", "expired")


#: when the citizen was there: the ticket taken, or the booking checked in (tickets written
#: before migration 0007 by other means than the app may lack it: their issue time then)
ARRIVED = func.coalesce(Ticket.arrived_at, Ticket.issued_at)


# -- dialect-specific SQL -------------------------------------------------------------------
class interval_us(FunctionElement[int]):  # noqa: N801
    """PostgreSQL: an interval in whole microseconds (its exact internal resolution)."""

    type = BigInteger()
    inherit_cache = True
    name = "interval_us"


@compiles(interval_us)
def _interval_us_pg(element: Any, compiler: Any, **kw: Any) -> str:
    (x,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND(date_part('epoch', {x}) * 1000000) AS BIGINT)"


def _local_hour_pg(column: Any) -> ColumnElement[Any]:
    """PostgreSQL: the local hour (0-23) of a time in the transaction's TimeZone, which
    use_site_zone() made the site's (exact across daylight-saving changes)."""
    return func.cast(func.date_part("hour", column), Integer)


def _offset_spans(zone: ZoneInfo, start: datetime, end: datetime
                  ) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets (whole seconds) from ``start`` to ``end``: [(until, offset)],
    the last one open-ended (``until`` None). Transitions are found day by day, then to the
    second by bisection (a zone changes its offset at most once a day)."""
    def off(t: datetime) -> int:
        delta = t.astimezone(zone).utcoffset()
        assert delta is not None
        return int(delta.total_seconds())

    spans: list[tuple[datetime | None, int]] = []
    day = start
    current = off(day)
    while day < end:
        nxt = min(day + timedelta(days=1), end)
        if off(nxt) != current:
            lo, hi = 0, int((nxt - day).total_seconds())  # seconds after ``day``
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if off(day + timedelta(seconds=mid)) == current else (lo, mid)
            switch = day + timedelta(seconds=hi)
            spans.append((switch, current))
            current = off(switch)
        day = nxt
    spans.append((None, current))
    return spans


def _local_hour_sqlite(column: Any, period: Period) -> ColumnElement[Any]:
    """SQLite: the local hour (0-23) of a UTC time as an SQL expression, exact in any zone:
    the offset in force is added as a modifier, switched at each transition. Covers times up
    to a week after the period (a ticket finished late); beyond that, the last offset."""
    def hour(seconds: int) -> ColumnElement[Any]:
        return func.cast(func.strftime("%H", column, f"{seconds:+d} seconds"), Integer)

    spans = _offset_spans(period.zone, period.start_utc, period.end_utc + timedelta(days=7))
    if len(spans) == 1:
        return hour(spans[0][1])
    whens = [(column < until, hour(seconds)) for until, seconds in spans[:-1]
             if until is not None]
    return case(*whens, else_=hour(spans[-1][1]))


def tune_for_reports(s: Session, snapshot: bool = False, imported: str | None = None) -> None:
    """PostgreSQL: sort in memory and skip JIT compilation for this transaction only; the
    report's sorts are a few MB and JIT costs more than it saves on queries this short.
    ``snapshot``: one snapshot for the whole transaction (REPEATABLE READ), which a helper
    connection can import (``imported``) to read the very same data in parallel."""
    if s.get_bind().dialect.name != "postgresql":
        return
    if snapshot or imported:
        s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    if imported:
        # SET takes no bind parameters; the id comes from pg_export_snapshot() and is checked
        if not re.fullmatch(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?", imported):
            raise ValueError(f"not a snapshot id: {imported!r}")
        s.execute(text(f"SET TRANSACTION SNAPSHOT '{imported}'"))
    s.execute(text("SET LOCAL work_mem = '64MB'"))
    s.execute(text("SET LOCAL jit = off"))


def use_site_zone(s: Session, zone: str) -> None:
    """PostgreSQL: the site's zone as this transaction's TimeZone, for _local_hour_pg. A
    plain date_part then gives the local hour, about three times cheaper per row than
    ``timezone(zone, t)``, which looks the zone up by name for every row."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})


def _minute_pg(interval: Any) -> ColumnElement[Any]:
    """PostgreSQL: the whole minute of an interval (the histogram step of _grouped_pg)."""
    return func.cast(func.floor(func.date_part("epoch", interval) / literal_column("60.0")),
                     Integer)


def _is_one_of(column: Any, keys: Any) -> ColumnElement[bool]:
    """``column IN keys``, where a None among the keys matches NULL (tickets never called
    have no counter or staff member: a group of its own)."""
    known = sorted(k for k in keys if k is not None)
    conds = [column.in_(known)] if known else []
    if None in keys:
        conds.append(column.is_(None))
    return or_(*conds)


# -- small maths ------------------------------------------------------------------------------
def seconds_avg(total_ms: int | Fraction | None, count: int) -> float | None:
    """Mean in seconds, rounded half-up to 0.1 s; None when there is nothing to average."""
    if not count:
        return None
    return float(ikm_math.round_half_up(Fraction(total_ms or 0) / (count * 1000), 1))


def seconds(ms: int | Fraction | None) -> float | None:
    return None if ms is None else float(Fraction(ms) / 1000)


def us_to_ms(us: Any) -> Fraction:
    return Fraction(int(us or 0), 1000)


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, half-up to 0.1; None when ``whole`` is 0."""
    if not whole:
        return None
    return float(ikm_math.round_half_up(Fraction(100 * part, whole), 1))


def nearest_rank_index(n: int, q: Fraction = Fraction(9, 10)) -> int:
    """1-based rank of the q-th percentile among n sorted values: ceil(q n)."""
    return max(1, -(-q.numerator * n // q.denominator))


#: the dates a report may name (year 1 or 9999 would overflow the arithmetic around them)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)


def parse_day(text: str | None, name: str = "date") -> date:
    """A YYYY-MM-DD query parameter from 2000 to 2199, or a 400 ``invalid_date``."""
    if not text:
        raise DomainError(f"Give {name} as YYYY-MM-DD.", "invalid_date")
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"{name} must be a date written YYYY-MM-DD, not {text!r}.",
                          "invalid_date") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError(f"{name} must be between {FIRST_DAY} and {LAST_DAY}.",
                          "invalid_date")
    return day


def check_range(start: date, end: date) -> None:
    if end < start:
        raise DomainError("The range ends before it starts.", "invalid_range")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise DomainError(f"A report covers at most {MAX_RANGE_DAYS} days; this range has "
                          f"{days}.", "range_too_long")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=self.zone).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(0),
                                tzinfo=self.zone).astimezone(UTC)

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                      self.zone)


# -- the service ------------------------------------------------------------------------------
class ReportService:
    """Reports over one database, for a scope: one agency, or the whole site (None)."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    # scope ---------------------------------------------------------------------------------
    @staticmethod
    def resolve_scope(s: Session, own_agency_id: int | None, asked: str | None) -> int | None:
        """The agency a caller may see: their own, or for site-wide callers the one asked."""
        if asked in (None, ""):
            return own_agency_id
        agency = None
        agency_id = parse_id(asked)
        if agency_id is not None:
            agency = s.get(Agency, agency_id)
        if agency is None:
            agency = s.scalars(select(Agency).where(Agency.code == asked)).first()
        if agency is None:
            raise ValidationFailed(f"No agency {asked!r}.", "unknown_agency")
        if own_agency_id is not None and agency.id != own_agency_id:
            raise Forbidden("You may see only your own agency's figures.", "other_agency")
        return agency.id

    # the big one ---------------------------------------------------------------------------
    def report(self, start: date, end: date, agency_id: int | None = None,
               compare: bool = True) -> dict[str, Any]:
        """The report for local dates ``start``..``end`` (inclusive); see the module doc."""
        check_range(start, end)
        with self.db.read() as s:
            tune_for_reports(s, snapshot=True)
            site = site_of(s)
            use_site_zone(s, site.timezone)
            period = Period(start, end, ZoneInfo(site.timezone))
            return self._report(s, site, period, agency_id, compare)

    def daily(self, day: date, agency_id: int | None = None) -> dict[str, Any]:
        """The contract's daily report (plus extra keys) for one local date."""
        data = self.report(day, day, agency_id, compare=True)
        return {"date": day.isoformat(), **data}

    def _report(self, s: Session, site: Site, period: Period, agency_id: int | None,
                compare: bool) -> dict[str, Any]:
        now = self.clock.now()
        pending = self._grouped_elsewhere(s, period, agency_id)
        names = _Names(s, site, agency_id)
        sessions = self._open_time(s, period, agency_id, now)
        breakdowns = self._breakdowns(s, period, agency_id)
        ikm = self._ikm(s, period, agency_id, names)
        previous = None
        if compare:
            prev = period.previous()
            previous = {"from": prev.start.isoformat(), "to": prev.end.isoformat(),
                        "totals": self._total(s, prev, agency_id).totals(),
                        "ikm": ikm_math.ikm_dict(self._ikm_total(s, prev, agency_id))}
        grouped = (pending.result() if pending is not None
                   else self._grouped_all(s, period, agency_id))
        total = grouped["total"].get(None) or _Agg.empty()
        for h in breakdowns["by_hour"]:  # waits by hour of issue, service by hour of finish
            h["p90_wait_seconds"] = seconds(grouped["issue_hour"].get(h["hour"]))
            h["p90_service_seconds"] = seconds(grouped["finish_hour"].get(h["hour"]))

        by_agency = [grouped["agency"].get(a.id, _Agg.empty()).row(
            id=a.id, code=a.code, name=a.short_name or a.name) for a in names.agencies]
        by_service = []
        for sv in names.services:
            row = grouped["service"].get(sv.id, _Agg.empty()).row(
                id=sv.id, code=sv.code, name=sv.name, agency_id=sv.agency_id)
            row["sla_minutes"] = sv.sla_minutes
            by_service.append(row)
        by_counter = []
        for c in names.counters:
            agg = grouped["counter"].get(c.id, _Agg.empty())
            row = agg.row(id=c.id, name=c.name, agency_id=c.agency_id)
            row.update(_productivity(agg, sessions["counter"].get(c.id, 0)))
            by_counter.append(row)
        by_staff = []
        staff_ids = sorted((set(grouped["staff"]) | set(sessions["user"])) - {None})
        users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(staff_ids)))}
        for uid in staff_ids:
            u = users.get(uid)
            if u is None:
                continue
            agg = grouped["staff"].get(uid, _Agg.empty())
            row = agg.row(id=uid, name=u.full_name or u.username, username=u.username)
            row.update(_productivity(agg, sessions["user"].get(uid, 0)))
            by_staff.append(row)
        by_staff.sort(key=lambda r: (-r["served"], r["name"]))

        data: dict[str, Any] = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "days": period.days,
            "timezone": site.timezone,
            "agency_id": agency_id,
            "generated_at": now.astimezone(period.zone).isoformat(),
            # bookings made for these days, checked in, not come (mpp.services.bookings)
            "totals": {**total.totals(),
                       **booking_totals(s, period.start, period.end, agency_id)},
            "by_agency": by_agency,
            "by_service": by_service,
            "by_counter": by_counter,
            "by_staff": by_staff,
            **breakdowns,
            "ikm": ikm,
            "bookings": self._bookings(s, period, agency_id, names),
        }
        if previous is not None:
            data["previous"] = previous
        return data

    def _grouped_elsewhere(self, s: Session, period: Period, agency_id: int | None
                           ) -> Future[dict[str, dict[Any, Any]]] | None:
        """PostgreSQL: start the heaviest query on a second connection that reads this
        transaction's snapshot, so the two run on two cores and agree to the row."""
        if s.get_bind().dialect.name != "postgresql":
            return None
        snap = s.execute(text("SELECT pg_export_snapshot()")).scalar_one()

        def work() -> dict[str, dict[Any, Any]]:
            with Session(self.db.engine) as helper, helper.begin():
                tune_for_reports(helper, imported=snap)
                use_site_zone(helper, period.zone.key)
                return self._grouped_all(helper, period, agency_id)

        return _HELPERS.submit(work)

    def _ticket_filter(self, period: Period, agency_id: int | None) -> list[Any]:
        conds: list[Any] = [Ticket.business_date >= period.start,
                            Ticket.business_date <= period.end]
        if agency_id is not None:
            conds.append(Service.agency_id == agency_id)
        return conds

    def _base(self, s: Session, period: Period, agency_id: int | None, key: Any) -> Any:
        """One row per ticket: the dimension ``key`` and the measured durations: whole
        milliseconds on SQLite; native intervals on PostgreSQL (summed and ranked as
        intervals, made milliseconds once per group, which is several times faster)."""
        pg = s.get_bind().dialect.name == "postgresql"

        def dur(a: Any, b: Any) -> Any:
            return b - a if pg else millis_between(a, b)

        done = Ticket.status == "done"
        wait = dur(ARRIVED, Ticket.called_at)
        serve = case((done, dur(func.coalesce(Ticket.started_at, Ticket.last_called_at),
                                Ticket.finished_at)))
        visit = case((done, dur(ARRIVED, Ticket.finished_at)))
        busy = case((Ticket.status.in_(["done", "no_show"]),
                     dur(Ticket.last_called_at, Ticket.finished_at)))
        sla = (func.make_interval(0, 0, 0, 0, 0, Service.sla_minutes) if pg
               else Service.sla_minutes * 60000)
        keys = ([(key if key is not None else literal(0)).label("k")] if key != "all" else
                [Service.agency_id.label("k_agency"), Ticket.service_id.label("k_service"),
                 Ticket.counter_id.label("k_counter"), Ticket.staff_user_id.label("k_staff")])
        # the whole minutes of the wait and of the service: the histogram steps of
        # _grouped_pg (a query that does not read a column does not compute it)
        extra = ([_minute_pg(wait).label("wb"), _minute_pg(serve).label("sb"),
                  ARRIVED.label("iss"), Ticket.finished_at.label("fin")]
                 if pg else [])
        return (select(*keys, Ticket.status.label("status"), wait.label("wait"),
                       serve.label("serve"), visit.label("visit"), busy.label("busy"),
                       sla.label("sla"), *extra)
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*self._ticket_filter(period, agency_id))
                # OFFSET 0 keeps PostgreSQL from inlining the durations into every aggregate
                # that reads them (each would be computed again per row).
                .offset(0)).subquery("b")

    @staticmethod
    def _sums(r: Any, pg: bool = False) -> list[Any]:
        """Counts and sums over the rows of ``r`` (a subquery from ``_base``)."""

        def ms(x: Any) -> Any:
            # PostgreSQL: microseconds (made milliseconds, exactly, in Python)
            return interval_us(x) if pg else x

        sla_known = and_(r.status == "done", r.sla.is_not(None))
        return [
            func.count().label("issued"),
            *(func.count().filter(r.status == st).label(st) for st in STATUSES),
            func.count(r.wait).label("n_wait"), ms(func.sum(r.wait)).label("sum_wait"),
            func.count(r.serve).label("n_serve"), ms(func.sum(r.serve)).label("sum_serve"),
            func.count(r.visit).label("n_visit"), ms(func.sum(r.visit)).label("sum_visit"),
            ms(func.sum(r.busy)).label("busy"),
            func.count().filter(sla_known).label("sla_total"),
            func.count().filter(and_(sla_known, r.visit <= r.sla)).label("sla_met"),
        ]

    def _grouped_all(self, s: Session, period: Period, agency_id: int | None
                     ) -> dict[str, dict[Any, Any]]:
        """Figures (an _Agg) per agency, service, counter and staff member, and the total;
        under "issue_hour" the 90th percentile wait (ms) per local hour of issue, and under
        "finish_hour" the 90th percentile service time (ms) per local hour of finish."""
        dims = {"agency": Service.agency_id, "service": Ticket.service_id,
                "counter": Ticket.counter_id, "staff": Ticket.staff_user_id}
        if s.get_bind().dialect.name != "postgresql":
            out: dict[str, dict[Any, Any]] = {
                k: self._grouped(s, self._base(s, period, agency_id, col), col)
                for k, col in dims.items()}
            out["total"] = self._grouped(s, self._base(s, period, agency_id, None), None)
            for name, column, measure in (("issue_hour", ARRIVED, "p90_wait"),
                                          ("finish_hour", Ticket.finished_at, "p90_serve")):
                hour = _local_hour_sqlite(column, period)
                by_hour = self._grouped(s, self._base(s, period, agency_id, hour), hour)
                out[name] = {h: getattr(agg, measure) for h, agg in by_hour.items()
                             if h is not None and getattr(agg, measure) is not None}
            return out
        return self._grouped_pg(s, period, agency_id, all_dims=True)

    def _total(self, s: Session, period: Period, agency_id: int | None) -> _Agg:
        """The figures of the whole period (for the comparison with the previous one)."""
        if s.get_bind().dialect.name != "postgresql":
            got = self._grouped(s, self._base(s, period, agency_id, None), None)
            return got.get(None) or _Agg.empty()
        return self._grouped_pg(s, period, agency_id, all_dims=False)["total"].get(
            None) or _Agg.empty()

    def _grouped_pg(self, s: Session, period: Period, agency_id: int | None,
                    all_dims: bool) -> dict[str, dict[Any, Any]]:
        """PostgreSQL, in three cheap steps instead of one sort per group and measure:

        1. one hash-aggregated pass gives every figure per agency, service, counter, staff
           member and whole minute of wait (a histogram); each group adds up its rows;
        2. a lighter pass over the called tickets counts the service times (of ``done``
           tickets) per whole minute, per the same groups and per local hour of finish, and
           the waits per whole minute and local hour of issue (for the total alone, step 1
           groups by both minutes instead, a few hundred rows);
        3. from the histograms, the minute holding rank ceil(0.9 n) of each group is known,
           so only the waits and service times of those minutes are read back (one pass)
           and ranked exactly.
        """
        names = ["agency", "service", "counter", "staff"]
        b = self._base(s, period, agency_id, "all").c
        keys = [b.k_agency, b.k_service, b.k_counter, b.k_staff]
        # histograms: (measure, group) -> minute -> count
        hist: dict[tuple[str, tuple[str, Any]], dict[int, int]] = defaultdict(
            lambda: defaultdict(int))
        parts: dict[tuple[str, Any], list[Any]] = defaultdict(list)
        if all_dims:
            # the finest grouping (a service belongs to one agency); every group of the
            # report adds up its rows here, which is far cheaper than GROUPING SETS
            stmt = select(*keys, b.wb, *self._sums(b, pg=True)).group_by(*keys, b.wb)
        else:
            stmt = select(*(literal(None).label(f"x{i}") for i in range(4)), b.wb, b.sb,
                          *self._sums(b, pg=True)).group_by(b.wb, b.sb)
        result = s.execute(stmt)
        columns = {name: i for i, name in enumerate(result.keys())}
        for row in result:
            groups = [("total", None)]
            if all_dims:
                groups += [(dim, row[i]) for i, dim in enumerate(names)]
            for group in groups:
                parts[group].append(row)
                if row.wb is not None:
                    hist[("wait", group)][row.wb] += row.n_wait
                if not all_dims and row.sb is not None:
                    hist[("serve", group)][row.sb] += row.n_serve
        if all_dims:
            d = self._called_minutes(s, period, agency_id)
            stmt = (select(d.c.k_agency, d.c.k_service, d.c.k_counter, d.c.k_staff, d.c.fh,
                           d.c.sb, d.c.ih, d.c.wb, func.grouping(d.c.fh, d.c.ih), func.count())
                    .group_by(text("GROUPING SETS ((k_agency, k_service, k_counter, k_staff, "
                                   "sb), (fh, sb), (ih, wb))")))
            for *ks, fh, sb, ih, wb, g, n in s.execute(stmt):
                if g == 0b10:  # (ih, wb): the waits per hour of issue
                    hist[("wait", ("issue_hour", ih))][wb] += n
                    continue
                if sb is None:  # not done: no service time
                    continue
                groups = ([("finish_hour", fh)] if g == 0b01 else
                          [("total", None)] + [(dim, ks[i]) for i, dim in enumerate(names)])
                for group in groups:
                    hist[("serve", group)][sb] += n
        # where each group's 90th percentiles lie: (measure, group) -> (minute, rank in it)
        wanted: dict[tuple[str, tuple[str, Any]], tuple[int, int]] = {}
        for target, per_minute in hist.items():
            minutes = sorted(per_minute.items())
            rank = nearest_rank_index(sum(n for _, n in minutes))
            seen = 0
            for minute, n in minutes:
                if seen + n >= rank:
                    wanted[target] = (minute, rank - seen)
                    break
                seen += n
        p90: dict[tuple[str, tuple[str, Any]], Fraction] = {}
        if wanted:
            p90 = self._pick_p90(s, period, b, wanted, all_dims)
        hours = ("issue_hour", "finish_hour")
        out: dict[str, dict[Any, Any]] = {k: {} for k in (*names, "total", *hours)}
        for (dim, key), rows in parts.items():
            out[dim][key] = _Agg.merge_pg(rows, columns, p90.get(("wait", (dim, key))),
                                          p90.get(("serve", (dim, key))))
        for (_, (dim, key)), value in p90.items():
            if dim in hours:  # waits by hour of issue, service times by hour of finish
                out[dim][int(key)] = value
        return out

    def _pick_p90(self, s: Session, period: Period, b: Any,
                  wanted: dict[tuple[str, tuple[str, Any]], tuple[int, int]], all_dims: bool
                  ) -> dict[tuple[str, tuple[str, Any]], Fraction]:
        """Step 3 of _grouped_pg: read back the waits and service times of each group's
        percentile minute (only those rows: the filter names each group) and rank them."""
        dims = ["agency", "service", "counter", "staff", "finish_hour", "issue_hour"]
        hours = ([_local_hour_pg(b.fin), _local_hour_pg(b.iss)] if all_dims
                 else [literal(None), literal(None)])
        dim_cols = [b.k_agency, b.k_service, b.k_counter, b.k_staff, *hours]
        # measure -> minute -> [values of the total or None, {dim index: {key: values}}]
        lists: dict[str, dict[int, list[Any]]] = {"wait": {}, "serve": {}}
        values: dict[tuple[str, tuple[str, Any]], list[int]] = {}
        for (measure, (dim, key)), (minute, _) in wanted.items():
            slot = lists[measure].setdefault(minute, [None, {}])
            values[(measure, (dim, key))] = got = []
            if dim == "total":
                slot[0] = got
            else:
                slot[1].setdefault(dims.index(dim), {})[key] = got
        conds = []
        for measure, column in (("wait", b.wb), ("serve", b.sb)):
            for minute, (total, by_dim) in sorted(lists[measure].items()):
                if total is not None:
                    conds.append(column == minute)
                else:
                    conds.append(and_(column == minute, or_(*(
                        _is_one_of(dim_cols[i], keys) for i, keys in sorted(by_dim.items())))))
        pick = select(*dim_cols, b.wb, b.sb, interval_us(b.wait),
                      interval_us(b.serve)).where(or_(*conds))
        at = len(dim_cols)  # where the minutes and values start in a row
        for row in s.execute(pick):
            for measure, minute, value in (("wait", row[at], row[at + 2]),
                                           ("serve", row[at + 1], row[at + 3])):
                slot = lists[measure].get(minute) if minute is not None else None
                if slot is None:
                    continue
                if slot[0] is not None:
                    slot[0].append(value)
                for i, by_key in slot[1].items():
                    got = by_key.get(row[i])
                    if got is not None:
                        got.append(value)
        return {target: us_to_ms(sorted(values[target])[within - 1])
                for target, (_, within) in wanted.items()}

    def _called_minutes(self, s: Session, period: Period, agency_id: int | None) -> Any:
        """PostgreSQL: one row per called ticket (step 2 of _grouped_pg): its groups, the
        whole minute of its service time (``done`` tickets, else NULL), the local hour of
        finish, the local hour of issue and the whole minute of its wait."""
        serve = Ticket.finished_at - func.coalesce(Ticket.started_at, Ticket.last_called_at)
        return (select(Service.agency_id.label("k_agency"), Ticket.service_id.label("k_service"),
                       Ticket.counter_id.label("k_counter"),
                       Ticket.staff_user_id.label("k_staff"),
                       _local_hour_pg(Ticket.finished_at).label("fh"),
                       case((Ticket.status == "done", _minute_pg(serve))).label("sb"),
                       _local_hour_pg(ARRIVED).label("ih"),
                       _minute_pg(Ticket.called_at - ARRIVED).label("wb"))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*self._ticket_filter(period, agency_id), Ticket.called_at.is_not(None))
                .offset(0)).subquery("d")

    def _grouped(self, s: Session, base: Any, key: Any) -> dict[Any, _Agg]:
        """Portable: counts, sums and the nearest-rank 90th percentiles of wait and service
        per ``key`` (None: one total row), ranking with window functions (SQLite has no
        percentile)."""
        ranked = select(
            base,
            func.row_number().over(partition_by=[base.c.k, base.c.wait.is_(None)],
                                   order_by=base.c.wait).label("rn_w"),
            func.count(base.c.wait).over(partition_by=base.c.k).label("n_w"),
            func.row_number().over(partition_by=[base.c.k, base.c.serve.is_(None)],
                                   order_by=base.c.serve).label("rn_s"),
            func.count(base.c.serve).over(partition_by=base.c.k).label("n_s"),
        ).subquery("r")
        r = ranked.c

        def p90(value: Any, rank: Any, n: Any) -> Any:
            # rank ceil(0.9 n) = (9 n + 9) div 10 among the group's non-null values
            return func.max(case((and_(value.is_not(None), rank == (9 * n + 9) // 10), value)))

        stmt = select(
            r.k, *self._sums(r),
            p90(r.wait, r.rn_w, r.n_w).label("p90_wait"),
            p90(r.serve, r.rn_s, r.n_s).label("p90_serve"),
        ).group_by(r.k)
        out: dict[Any, _Agg] = {}
        for row in s.execute(stmt):
            out[row.k if key is not None else None] = _Agg.from_row(row)
        return out

    def _breakdowns(self, s: Session, period: Period, agency_id: int | None
                    ) -> dict[str, list[dict[str, Any]]]:
        """by_hour, by_day and by_priority: one GROUPING SETS pass on PostgreSQL, three
        small queries elsewhere."""
        if s.get_bind().dialect.name != "postgresql":
            return {"by_hour": self._by_hour(s, period, agency_id),
                    "by_day": self._by_day(s, period, agency_id),
                    "by_priority": self._by_priority(s, period, agency_id)}
        done = Ticket.status == "done"
        inner = (select(
            _local_hour_pg(ARRIVED).label("ih"),
            _local_hour_pg(Ticket.finished_at).label("fh"),
            Ticket.business_date.label("bd"), Ticket.priority.label("pr"),
            Ticket.priority_category.label("pc"), Ticket.status.label("st"),
            (Ticket.called_at - ARRIVED).label("w"),
            case((done, Ticket.finished_at
                  - func.coalesce(Ticket.started_at, Ticket.last_called_at))).label("sv"))
            .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
            .where(*self._ticket_filter(period, agency_id)).offset(0)).subquery("t")
        t = inner.c
        keys = [t.ih, t.fh, t.bd, t.pr, t.pc]
        stmt = select(
            *keys, func.grouping(*keys).label("g"), func.count(),
            func.count().filter(t.st == "done"), func.count().filter(t.st == "no_show"),
            func.count().filter(t.st == "cancelled"), func.count().filter(t.st == "expired"),
            func.count(t.w), interval_us(func.sum(t.w)),
            func.count(t.sv), interval_us(func.sum(t.sv)),
        ).group_by(text("GROUPING SETS ((ih), (fh), (bd), (pr, pc))"))
        by_issue: dict[int, _ByIssue] = {}
        by_finish: dict[int, _ByFinish] = {}
        days: dict[date, tuple[int, int, int, int, int]] = {}
        prios = []
        for ih, fh, bd, pr, pc, g, n, sv, ns, cn, ex, nw, sw_us, nsv, ssv_us in s.execute(stmt):
            sw = us_to_ms(sw_us)
            if not g & 0b10000:
                by_issue[int(ih)] = (n, ns, cn, ex, nw, sw)
            elif not g & 0b01000:
                if fh is not None and sv:
                    by_finish[int(fh)] = (sv, nsv, us_to_ms(ssv_us))
            elif not g & 0b00100:
                days[bd] = (n, sv, ns, nw, sw)
            else:
                prios.append((pr, pc, n, sv, nw, sw))
        return {"by_hour": _hour_rows(by_issue, by_finish),
                "by_day": _day_rows(days, period),
                "by_priority": _priority_rows(prios)}

    def _by_hour(self, s: Session, period: Period, agency_id: int | None
                 ) -> list[dict[str, Any]]:
        """SQLite: counts and summed durations per local hour of issue and of finish."""
        filters = self._ticket_filter(period, agency_id)

        def status_is(st: str) -> Any:
            return func.sum(case((Ticket.status == st, 1), else_=0))

        wait = millis_between(ARRIVED, Ticket.called_at)
        ih = _local_hour_sqlite(ARRIVED, period).label("h")
        by_issue: dict[int, _ByIssue] = {
            int(h): (n, int(ns), int(cn), int(ex), nw, int(sw or 0))
            for h, n, ns, cn, ex, nw, sw in s.execute(
                select(ih, func.count(), status_is("no_show"), status_is("cancelled"),
                       status_is("expired"), func.count(wait), func.sum(wait))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*filters).group_by(ih))}
        serve = millis_between(func.coalesce(Ticket.started_at, Ticket.last_called_at),
                               Ticket.finished_at)
        fh = _local_hour_sqlite(Ticket.finished_at, period).label("h")
        by_finish: dict[int, _ByFinish] = {
            int(h): (n, nsv, int(ssv or 0))
            for h, n, nsv, ssv in s.execute(
                select(fh, func.count(), func.count(serve), func.sum(serve))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*filters, Ticket.status == "done").group_by(fh))}
        return _hour_rows(by_issue, by_finish)

    def _by_day(self, s: Session, period: Period, agency_id: int | None
                ) -> list[dict[str, Any]]:
        done = Ticket.status == "done"
        wait = millis_between(ARRIVED, Ticket.called_at)
        stmt = (select(Ticket.business_date, func.count(),
                       func.sum(case((done, 1), else_=0)),
                       func.sum(case((Ticket.status == "no_show", 1), else_=0)),
                       func.count(wait), func.sum(wait))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*self._ticket_filter(period, agency_id))
                .group_by(Ticket.business_date))
        got = {d if isinstance(d, date) else date.fromisoformat(str(d)): (n, sv, ns, nw, sw)
               for d, n, sv, ns, nw, sw in s.execute(stmt)}
        return _day_rows(got, period)

    def _by_priority(self, s: Session, period: Period, agency_id: int | None
                     ) -> list[dict[str, Any]]:
        done = Ticket.status == "done"
        wait = millis_between(ARRIVED, Ticket.called_at)
        stmt = (select(Ticket.priority, Ticket.priority_category, func.count(),
                       func.sum(case((done, 1), else_=0)), func.count(wait), func.sum(wait))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*self._ticket_filter(period, agency_id))
                .group_by(Ticket.priority, Ticket.priority_category))
        return _priority_rows(s.execute(stmt))

    def _bookings(self, s: Session, period: Period, agency_id: int | None, names: _Names
                  ) -> dict[str, Any]:
        """Bookings made, cancelled, checked in (late ones too), no-show and pending, the
        punctuality of the calls, and the remote-join tickets (mpp.domain.booking_report), in
        total, per service (those taking bookings or remote tickets, or booked), per day and
        per service on each day."""
        def in_scope(stmt: Any, table: Any = Booking) -> Any:
            stmt = stmt.where(table.business_date >= period.start,
                              table.business_date <= period.end)
            if agency_id is not None:
                stmt = stmt.join(Service, Service.id == table.service_id).where(
                    Service.agency_id == agency_id)
            return stmt

        def day_of(d: Any) -> date:
            return d if isinstance(d, date) else date.fromisoformat(str(d))

        tallies: dict[tuple[Any, Any], BookingTally] = defaultdict(BookingTally)

        def groups(sid: int, day: date) -> list[BookingTally]:
            return [tallies[k] for k in ((None, None), (sid, None), (None, day), (sid, day))]

        counts = in_scope(select(Booking.service_id, Booking.business_date, Booking.status,
                                 func.count()).group_by(Booking.service_id,
                                                        Booking.business_date, Booking.status))
        for sid, day, status, n in s.execute(counts):
            for t in groups(sid, day_of(day)):
                t.add_status(status, n)
        # each checked-in booking: queued at its slot (on time) or a walk-in (late), and how
        # long after the slot's start its ticket was first called
        checked = in_scope(
            select(Booking.service_id, Booking.business_date, Ticket.booked,
                   millis_between(Booking.slot_start, Ticket.called_at))
            .join(Ticket, Ticket.id == Booking.ticket_id)
            .where(Booking.status == "checked_in"))
        for sid, day, on_time, late_ms in s.execute(checked):
            for t in groups(sid, day_of(day)):
                if not on_time:
                    t.add_late_check_ins(1)
                elif late_ms is not None:
                    t.add_call(late_ms)
        remote = in_scope(select(RemoteJoin.service_id, RemoteJoin.business_date,
                                 RemoteJoin.status, func.count())
                          .group_by(RemoteJoin.service_id, RemoteJoin.business_date,
                                    RemoteJoin.status), RemoteJoin)
        for sid, day, status, n in s.execute(remote):
            for t in groups(sid, day_of(day)):
                t.add_remote(status, n)

        def figures(key: tuple[Any, Any]) -> dict[str, Any]:
            got = tallies.get(key)
            return (got or BookingTally()).figures(PUNCTUAL_MINUTES)

        def ident(sv: Service) -> dict[str, Any]:
            return {"id": sv.id, "code": sv.code, "name": sv.name, "agency_id": sv.agency_id}

        days = [period.start + timedelta(days=i) for i in range(period.days)]
        return {
            "within_minutes": PUNCTUAL_MINUTES,
            "totals": figures((None, None)),
            "by_service": [{**ident(sv), **figures((sv.id, None))} for sv in names.services
                           if sv.booking is not None or sv.remote_join
                           or (sv.id, None) in tallies],
            "by_day": [{"date": d.isoformat(), **figures((None, d))} for d in days],
            "by_service_day": [{"date": d.isoformat(), **ident(sv), **figures((sv.id, d))}
                               for d in days for sv in names.services
                               if (sv.id, d) in tallies],
        }

    def _open_time(self, s: Session, period: Period, agency_id: int | None, now: datetime
                   ) -> dict[str, dict[int, int]]:
        """Milliseconds each counter and each user held a counter open within the period."""
        start, end = period.start_utc, period.end_utc
        stmt = (select(CounterSession.counter_id, CounterSession.user_id,
                       CounterSession.opened_at, CounterSession.closed_at)
                .where(CounterSession.opened_at < end,
                       (CounterSession.closed_at.is_(None)) | (CounterSession.closed_at > start)))
        if agency_id is not None:
            stmt = stmt.join(Counter, Counter.id == CounterSession.counter_id).where(
                Counter.agency_id == agency_id)
        out: dict[str, dict[int, int]] = {"counter": defaultdict(int), "user": defaultdict(int)}
        for cid, uid, opened, closed in s.execute(stmt):
            a = max(opened, start)
            b = min(closed or now, end)
            if b > a:
                ms = (b - a) // timedelta(milliseconds=1)
                out["counter"][cid] += ms
                out["user"][uid] += ms
        return out

    # IKM -----------------------------------------------------------------------------------
    def _ikm_sums(self, s: Session, period: Period, agency_id: int | None
                  ) -> dict[str, dict[Any, ikm_math.Ikm]]:
        """Answers and per-element score sums per service; agencies and the total add up
        the services' integer sums, so every level stays exact."""
        scores: Any = SurveyResponse.scores
        if s.get_bind().dialect.name == "postgresql":
            scores = func.cast(scores, JSONB)
        inner = (select(SurveyResponse.service_id.label("sid"),
                        SurveyResponse.agency_id.label("aid"), scores.label("j"))
                 .where(SurveyResponse.submitted_at >= period.start_utc,
                        SurveyResponse.submitted_at < period.end_utc))
        if agency_id is not None:
            inner = inner.where(SurveyResponse.agency_id == agency_id)
        sub = inner.offset(0).subquery("sv")  # parse each answer's JSON once
        cols = [func.sum(json_int(sub.c.j, literal(i, Integer)))
                for i in range(ikm_math.ELEMENT_COUNT)]
        stmt = select(sub.c.sid, sub.c.aid, func.count(), *cols).group_by(sub.c.sid, sub.c.aid)
        sums: dict[str, dict[Any, list[int]]] = {"service": {}, "agency": {}, "total": {}}
        for sid, aid, n, *elems in s.execute(stmt):
            for level, key in (("service", sid), ("agency", aid), ("total", None)):
                acc = sums[level].setdefault(key, [0] * (ikm_math.ELEMENT_COUNT + 1))
                acc[0] += n
                for i, v in enumerate(elems, start=1):
                    acc[i] += int(v or 0)
        out: dict[str, dict[Any, ikm_math.Ikm]] = {}
        for level, by_key in sums.items():
            out[level] = {}
            for key, acc in by_key.items():
                got = ikm_math.from_sums(acc[0], acc[1:])
                if got is not None:
                    out[level][key] = got
        return out

    def _ikm_total(self, s: Session, period: Period, agency_id: int | None
                   ) -> ikm_math.Ikm | None:
        return self._ikm_sums(s, period, agency_id)["total"].get(None)

    def _ikm(self, s: Session, period: Period, agency_id: int | None, names: _Names
             ) -> dict[str, Any]:
        sums = self._ikm_sums(s, period, agency_id)
        by_service, by_agency = sums["service"], sums["agency"]
        profiles = (select(SurveyResponse.respondent)
                    .where(SurveyResponse.submitted_at >= period.start_utc,
                           SurveyResponse.submitted_at < period.end_utc))
        if agency_id is not None:
            profiles = profiles.where(SurveyResponse.agency_id == agency_id)
        return {
            # the respondents per sex, age, education and occupation (the SKM report's table)
            "respondent_profile": ikm_math.profile_table(
                p or {} for p in s.scalars(profiles)),
            "method": "PermenPANRB 14/2017: IKM = 25 x mean of the nine element averages; "
                      "published half-up to 2 decimals; grade from the published value",
            "total": ikm_math.ikm_dict(sums["total"].get(None)),
            "by_agency": [{"id": a.id, "code": a.code, "name": a.short_name or a.name,
                           **(ikm_math.ikm_dict(by_agency.get(a.id)) or {"respondents": 0})}
                          for a in names.agencies],
            "by_service": [{"id": sv.id, "code": sv.code, "name": sv.name,
                            "agency_id": sv.agency_id,
                            **(ikm_math.ikm_dict(by_service.get(sv.id)) or {"respondents": 0})}
                           for sv in names.services],
        }

    def ikm(self, start: date, end: date, agency_id: int | None = None) -> dict[str, Any]:
        """The IKM of the period, in total and per agency and service."""
        check_range(start, end)
        with self.db.read() as s:
            tune_for_reports(s)
            site = site_of(s)
            period = Period(start, end, ZoneInfo(site.timezone))
            return {"from": start.isoformat(), "to": end.isoformat(),
                    **self._ikm(s, period, agency_id, _Names(s, site, agency_id))}

    # live ----------------------------------------------------------------------------------
    def live(self, agency_id: int | None = None) -> dict[str, Any]:
        """Today so far: waiting now, longest wait now (since arrival; remote tickets not
        checked in yet are not there), counters open, served today."""
        now = self.clock.now()
        with self.db.read() as s:
            site = site_of(s)
            zone = ZoneInfo(site.timezone)
            today = now.astimezone(zone).date()
            names = _Names(s, site, agency_id)
            filt = [Ticket.business_date == today]
            if agency_id is not None:
                filt.append(Service.agency_id == agency_id)
            rows = s.execute(
                # a remote ticket not checked in yet has not arrived: it waits at home
                select(Ticket.service_id, Ticket.status, func.count(),
                       func.min(case((Ticket.check_in_by.is_(None), ARRIVED))))
                .select_from(Ticket).join(Service, Service.id == Ticket.service_id)
                .where(*filt).group_by(Ticket.service_id, Ticket.status)).all()
            per: dict[int, dict[str, Any]] = defaultdict(dict)
            for sid, status, n, oldest in rows:
                per[sid][status] = n
                if status == "waiting":
                    per[sid]["oldest"] = oldest
            counters = [c for c in names.counters if c.active]
            staff_ids = {c.staff_user_id for c in counters if c.staff_user_id}
            staff = {u.id: u for u in s.scalars(select(User).where(User.id.in_(staff_ids)))}
            services = []
            oldest_all = None
            for sv in names.services:
                p = per.get(sv.id, {})
                oldest = p.get("oldest")
                if oldest is not None and (oldest_all is None or oldest < oldest_all):
                    oldest_all = oldest
                services.append({
                    "id": sv.id, "code": sv.code, "name": sv.name, "agency_id": sv.agency_id,
                    "waiting": p.get("waiting", 0),
                    "in_service": p.get("called", 0) + p.get("serving", 0),
                    "served": p.get("done", 0),
                    "longest_wait_seconds": None if oldest is None
                    else max(0, int((now - oldest).total_seconds()))})
            return {
                "now": now.astimezone(zone).isoformat(),
                "date": today.isoformat(),
                "waiting": sum(x["waiting"] for x in services),
                "in_service": sum(x["in_service"] for x in services),
                "served": sum(x["served"] for x in services),
                "longest_wait_seconds": None if oldest_all is None
                else max(0, int((now - oldest_all).total_seconds())),
                "counters_open": sum(1 for c in counters if c.staff_user_id),
                "counters_total": len(counters),
                "services": services,
                "counters": [{"id": c.id, "name": c.name, "agency_id": c.agency_id,
                              "open": c.staff_user_id is not None,
                              "staff": None if c.staff_user_id not in staff else
                              (staff[c.staff_user_id].full_name
                               or staff[c.staff_user_id].username)}
                             for c in counters],
            }

    # evidence ------------------------------------------------------------------------------
    def evidence(self, start: date, end: date, agency_id: int | None = None) -> dict[str, Any]:
        """What the Ombudsman's compliance assessment asks for, for one period."""
        check_range(start, end)
        report = self.report(start, end, agency_id, compare=False)
        with self.db.read() as s:
            site = site_of(s)
            names = _Names(s, site, agency_id)
            zone = ZoneInfo(site.timezone)
            period = Period(start, end, zone)
            stmt = (select(Complaint).where(Complaint.created_at >= period.start_utc,
                                            Complaint.created_at < period.end_utc)
                    .order_by(Complaint.created_at))
            if agency_id is not None:
                stmt = stmt.where(Complaint.agency_id == agency_id)
            complaints = s.scalars(stmt).all()
            agencies = {a.id: a for a in names.agencies}
            standards = [{
                "id": sv.id, "code": sv.code, "name": sv.name,
                "agency": agencies[sv.agency_id].short_name or agencies[sv.agency_id].name,
                "requirements": list(sv.requirements or []),
                "procedure": list(sv.procedure or []),
                "sla_minutes": sv.sla_minutes, "fee": sv.fee, "fee_note": sv.fee_note,
                "hours": sv.hours, "legal_basis": sv.legal_basis,
                "product": sv.product,
                # the service's own complaint handling, else the site's
                "complaints": sv.complaints or (site.settings or {}).get("complaints", "")}
                for sv in names.services]
            by_status: dict[str, int] = defaultdict(int)
            items = []
            for c in complaints:
                by_status[c.status] += 1
                items.append({
                    "id": c.id, "created_at": c.created_at.astimezone(zone).isoformat(),
                    "agency": agencies[c.agency_id].short_name if c.agency_id in agencies
                    else None, "body": c.body, "status": c.status, "response": c.response,
                    "responded_at": None if c.responded_at is None
                    else c.responded_at.astimezone(zone).isoformat()})
            return {"site": {"name": site.name, "code": site.code,
                             "address": (site.settings or {}).get("address", "")},
                    "report": report, "standards": standards,
                    "complaints": {"total": len(items), "by_status": dict(by_status),
                                   "items": items}}


# -- helpers ----------------------------------------------------------------------------------
class _Names:
    """The agencies, services and counters in scope, in display order."""

    def __init__(self, s: Session, site: Site, agency_id: int | None):
        q = select(Agency).where(Agency.site_id == site.id)
        if agency_id is not None:
            q = q.where(Agency.id == agency_id)
        self.agencies = list(s.scalars(q.order_by(Agency.sort_order, Agency.id)))
        ids = [a.id for a in self.agencies]
        order = {a: i for i, a in enumerate(ids)}
        self.services = sorted(s.scalars(select(Service).where(Service.agency_id.in_(ids))),
                               key=lambda sv: (order[sv.agency_id], sv.id))
        self.counters = sorted(s.scalars(select(Counter).where(Counter.agency_id.in_(ids))),
                               key=lambda c: (order[c.agency_id], c.id))


@dataclass
class _Agg:
    issued: int
    status: dict[str, int]
    n_wait: int
    sum_wait: int | Fraction  # milliseconds
    p90_wait: int | Fraction | None
    n_serve: int
    sum_serve: int | Fraction
    p90_serve: int | Fraction | None
    n_visit: int
    sum_visit: int | Fraction
    busy: int
    sla_total: int
    sla_met: int

    @classmethod
    def empty(cls) -> _Agg:
        return cls(0, dict.fromkeys(STATUSES, 0), 0, 0, None, 0, 0, None, 0, 0, 0, 0, 0)

    @classmethod
    def from_row(cls, row: Any) -> _Agg:
        def i(v: Any) -> int:
            return int(v or 0)

        return cls(i(row.issued), {st: i(getattr(row, st)) for st in STATUSES},
                   i(row.n_wait), i(row.sum_wait),
                   None if row.p90_wait is None else int(row.p90_wait),
                   i(row.n_serve), i(row.sum_serve),
                   None if row.p90_serve is None else int(row.p90_serve),
                   i(row.n_visit), i(row.sum_visit), i(row.busy), i(row.sla_total),
                   i(row.sla_met))

    @classmethod
    def merge_pg(cls, rows: list[Any], columns: dict[str, int], p90_wait: Fraction | None,
                 p90_serve: Fraction | None) -> _Agg:
        """Add up one group's per-minute rows (sums in microseconds) from _grouped_pg;
        ``columns`` gives each figure's position in a row."""
        # column by column, in C (zip, filter, sum): these rows are many
        sums = [sum(filter(None, col)) for col in zip(*rows, strict=True)]

        def total(name: str) -> int:
            return int(sums[columns[name]])

        return cls(total("issued"), {st: total(st) for st in STATUSES},
                   total("n_wait"), us_to_ms(total("sum_wait")), p90_wait,
                   total("n_serve"), us_to_ms(total("sum_serve")), p90_serve,
                   total("n_visit"), us_to_ms(total("sum_visit")),
                   total("busy") // 1000, total("sla_total"), total("sla_met"))

    def figures(self) -> dict[str, Any]:
        st = self.status
        return {
            "issued": self.issued, "served": st["done"], "no_show": st["no_show"],
            "cancelled": st["cancelled"], "expired": st["expired"], "waiting": st["waiting"],
            "in_service": st["called"] + st["serving"],
            "avg_wait_seconds": seconds_avg(self.sum_wait, self.n_wait),
            "p90_wait_seconds": seconds(self.p90_wait),
            "avg_service_seconds": seconds_avg(self.sum_serve, self.n_serve),
            "p90_service_seconds": seconds(self.p90_serve),
            "avg_visit_seconds": seconds_avg(self.sum_visit, self.n_visit),
            "sla_met": self.sla_met, "sla_total": self.sla_total,
            "sla_percent": percent(self.sla_met, self.sla_total),
        }

    def row(self, **ident: Any) -> dict[str, Any]:
        return {**ident, **self.figures()}

    def totals(self) -> dict[str, Any]:
        return self.figures()


#: per local hour of issue: issued, no_show, cancelled, expired, waits counted, their sum (ms)
_ByIssue = tuple[int, int, int, int, int, int | Fraction]
#: per local hour of finish: served, service times counted, their sum (ms)
_ByFinish = tuple[int, int, int | Fraction]


def _hour_rows(by_issue: dict[int, _ByIssue], by_finish: dict[int, _ByFinish]
               ) -> list[dict[str, Any]]:
    """The 24 by_hour rows; the 90th percentiles are filled in later (None until then)."""
    rows = []
    for h in range(24):
        issued, no_show, cancelled, expired, n_wait, sum_wait = by_issue.get(h, (0,) * 6)
        served, n_serve, sum_serve = by_finish.get(h, (0, 0, 0))
        rows.append({"hour": h, "issued": issued, "served": served, "no_show": no_show,
                     "cancelled": cancelled, "expired": expired,
                     "avg_wait_seconds": seconds_avg(sum_wait, n_wait), "p90_wait_seconds": None,
                     "avg_service_seconds": seconds_avg(sum_serve, n_serve),
                     "p90_service_seconds": None})
    return rows


def _day_rows(got: dict[date, tuple[int, int, int, int, int]], period: Period
              ) -> list[dict[str, Any]]:
    out = []
    day = period.start
    while day <= period.end:
        n, sv, ns, nw, sw = got.get(day, (0, 0, 0, 0, 0))
        out.append({"date": day.isoformat(), "issued": n, "served": int(sv or 0),
                    "no_show": int(ns or 0), "avg_wait_seconds": seconds_avg(sw, nw)})
        day += timedelta(days=1)
    return out


def _priority_rows(rows: Any) -> list[dict[str, Any]]:
    """Served counts per priority category (elderly, disabled, pregnant, child), priority
    tickets without a category ("other"), and regular tickets."""
    acc: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, 0])
    for prio, cat, n, sv, nw, sw in rows:
        name = (cat if cat in PRIORITY_CATEGORIES else "other") if prio else "regular"
        a = acc[name]
        a[0] += n
        a[1] += int(sv or 0)
        a[2] += nw
        a[3] += sw or 0  # milliseconds, an int or an exact Fraction
    order = [*PRIORITY_CATEGORIES, "other", "regular"]
    return [{"category": c, "priority": c != "regular", "issued": acc[c][0],
             "served": acc[c][1], "avg_wait_seconds": seconds_avg(acc[c][3], acc[c][2])}
            for c in order]


def _productivity(agg: _Agg, open_ms: int) -> dict[str, Any]:
    """Served per open hour and idle time (open time not spent on a called ticket)."""
    return {
        "open_seconds": open_ms // 1000,
        "busy_seconds": agg.busy // 1000,
        "idle_seconds": max(0, open_ms - agg.busy) // 1000 if open_ms else None,
        "served_per_hour": None if not open_ms else float(
            ikm_math.round_half_up(Fraction(agg.status["done"] * 3_600_000, open_ms), 2)),
    }
