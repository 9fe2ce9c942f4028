"""Turns rows into the JSON shapes of the contract (Service, Counter, Ticket, Call, snapshot)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from ..domain import estimates, hours
from ..domain.queue_order import Candidate, call_order
from ..domain.states import TicketStatus
from ..models import (
    Agency,
    Booking,
    Counter,
    CounterService,
    Holiday,
    Service,
    ServiceDay,
    Site,
    Ticket,
)
from ..sql_time import millis_between

DEFAULT_FRIDAY_BREAK = "11:30-13:00"

# Statements read on every issue, built once with named parameters: SQLAlchemy then skips
# building each and computing its cache key per request (about 0.1 ms apiece).
#: one service's waiting tickets of a day in issue order, issued_at as the database stores
#: it (compared only with each other)
_WAITING_IN_ISSUE_ORDER = (
    select(Ticket.id, type_coerce(Ticket.issued_at, String).label("issued_at"), Ticket.priority)
    .where(Ticket.service_id == bindparam("service_id"),
           Ticket.status == TicketStatus.WAITING, Ticket.business_date == bindparam("day"))
    .order_by(Ticket.issued_at, Ticket.id))
#: the service times (ms) of a service's last finished tickets of a day, latest first
_RECENT_DONE = (select(millis_between(func.coalesce(Ticket.started_at, Ticket.called_at),
                                      Ticket.finished_at))
                .where(Ticket.service_id == bindparam("service_id"),
                       Ticket.status == TicketStatus.DONE,
                       Ticket.business_date == bindparam("day"))
                .order_by(Ticket.finished_at.desc())
                .limit(estimates.RECENT_SAMPLE))
#: the open counters serving a service (correlated to the Service of the enclosing query)
OPEN_COUNTERS_OF_SERVICE = (select(func.count(Counter.id))
                            .join(CounterService, CounterService.counter_id == Counter.id)
                            .where(CounterService.service_id == Service.id,
                                   Counter.staff_user_id.is_not(None),
                                   Counter.active.is_(True))
                            .scalar_subquery())
#: of one service's tickets waiting on one day: those issued before a given one (by issue
#: time, then id), and the priority tickets
_AHEAD_AND_PRIORITY = (
    select(func.count(case((or_(Ticket.issued_at < bindparam("issued_at"),
                                and_(Ticket.issued_at == bindparam("issued_at"),
                                     Ticket.id < bindparam("ticket_id"))), 1))),
           func.count(case((Ticket.priority.is_(True), 1))))
    .where(Ticket.service_id == bindparam("service_id"), Ticket.status == TicketStatus.WAITING,
           Ticket.business_date == bindparam("day")))


def site_of(session: Session) -> Site:
    """The site this server runs (the first one loaded)."""
    site = session.scalars(select(Site).order_by(Site.id).limit(1)).first()
    if site is None:
        raise RuntimeError("no site loaded: run `mpp site load FILE` or `mpp run --demo`")
    return site


def friday_break(site: Site) -> hours.Range | None:
    spec = (site.settings or {}).get("friday_break", DEFAULT_FRIDAY_BREAK)
    if not spec:
        return None
    ranges = hours.parse_ranges(spec)
    return ranges[0] if ranges else None


class Presenter:
    """Serializes rows for one moment; caches per-service queue facts within one request."""

    def __init__(self, session: Session, now: datetime, base_url: str, site: Site | None = None):
        self.session = session
        self.site = site or site_of(session)
        self.tz = ZoneInfo(self.site.timezone)
        self.now = now
        self.today: date = now.astimezone(self.tz).date()
        self.base_url = base_url.rstrip("/")
        self._counts: dict[int, int] | None = None
        self._positions: dict[int, dict[int, int]] = {}
        self._typical: dict[int, float] = {}
        self._open_counters: dict[int, int] | None = None
        #: open counters of single services (see estimate_facts)
        self._open_one: dict[int, int] = {}
        self._ahead: dict[int, int] = {}
        self._holidays: set[date] | None = None
        self._service_days: dict[int, ServiceDay] | None = None
        self._booked: dict[int, int] | None = None

    def at(self, now: datetime) -> Presenter:
        """This presenter at a later moment of the same transaction, keeping what it read that
        the moment does not change (the site, holidays, open counters, and the typical service
        times while it is still the same day)."""
        later = Presenter(self.session, now, self.base_url, self.site)
        later._holidays = self._holidays
        later._open_counters = self._open_counters
        later._open_one = self._open_one
        if later.today == self.today:
            later._typical = self._typical
        return later

    def estimate_facts(self, service: Service, open_counters: int) -> None:
        """Note what a waiting ticket's estimate needs besides its place: the typical service
        time of ``service`` (read now) and its ``open_counters`` (read by the caller, with
        the service: OPEN_COUNTERS_OF_SERVICE). Issuing reads them before it takes the
        number, whose lock is held until the commit."""
        self.typical_service_seconds(service)
        if self._open_counters is None:
            self._open_one[service.id] = open_counters

    # -- helpers -------------------------------------------------------------------------
    def iso(self, moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(self.tz).isoformat()

    def _waiting_counts(self) -> dict[int, int]:
        if self._counts is None:
            rows = self.session.execute(
                select(Ticket.service_id, func.count(Ticket.id))
                .where(Ticket.status == TicketStatus.WAITING, Ticket.site_id == self.site.id,
                       # an earlier day's waiting ticket can never be called (issue 9)
                       Ticket.business_date == self.today)
                .group_by(Ticket.service_id)).all()
            self._counts = {sid: n for sid, n in rows}
        return self._counts

    def waiting_count(self, service_id: int) -> int:
        return self._waiting_counts().get(service_id, 0)

    def queue_positions(self, service: Service) -> dict[int, int]:
        """Ticket id -> people ahead, for today's waiting tickets of one service."""
        if service.id not in self._positions:
            # issue order; issued_at as stored (one format per database, ordered as the
            # times are): parsing hundreds of times was most of the queue feed's read
            rows = self.session.execute(_WAITING_IN_ISSUE_ORDER,
                                        {"service_id": service.id, "day": self.today}).all()
            if len({r.priority for r in rows}) <= 1:
                # one kind only: the rule never has to choose (call_order)
                self._positions[service.id] = {r.id: i for i, r in enumerate(rows)}
                return self._positions[service.id]
            day = self.service_day(service.id)
            state = day.regular_since_priority if day is not None else 1000
            order = call_order((Candidate(r.id, service.id, r.issued_at, r.priority)
                                for r in rows), service.regular_per_priority, state)
            self._positions[service.id] = {c.ticket_id: i for i, c in enumerate(order)}
        return self._positions[service.id]

    def open_counters(self, service_id: int) -> int:
        if self._open_counters is None:
            if service_id in self._open_one:
                return self._open_one[service_id]
            rows = self.session.execute(
                select(Service.id, func.count(Counter.id))
                .join(Counter.services)
                .where(Counter.staff_user_id.is_not(None), Counter.active.is_(True))
                .group_by(Service.id)
            ).all()
            self._open_counters = {sid: n for sid, n in rows}
        return self._open_counters.get(service_id, 0)

    def typical_service_seconds(self, service: Service) -> float:
        if service.id not in self._typical:
            # Core, not the ORM: no entities come back, and this runs on every issue
            millis = self.session.connection().execute(
                _RECENT_DONE, {"service_id": service.id, "day": self.today}).scalars().all()
            durations = [ms / 1000 for ms in reversed(millis) if ms is not None]
            self._typical[service.id] = estimates.typical_service_seconds(
                durations, service.sla_minutes)
        return self._typical[service.id]

    def holidays(self) -> set[date]:
        if self._holidays is None:
            self._holidays = set(self.session.scalars(
                select(Holiday.day).where(Holiday.site_id == self.site.id)))
        return self._holidays

    def service_day(self, service_id: int) -> ServiceDay | None:
        if self._service_days is None:
            rows = self.session.scalars(
                select(ServiceDay).where(ServiceDay.business_date == self.today))
            self._service_days = {r.service_id: r for r in rows}
        return self._service_days.get(service_id)

    def booked_today(self, service_id: int) -> int:
        """Today's bookings of a service not checked in yet (places the quota keeps)."""
        if self._booked is None:
            self._booked = dict(self.session.execute(
                select(Booking.service_id, func.count(Booking.id))
                .where(Booking.business_date == self.today, Booking.status == "booked")
                .group_by(Booking.service_id)).all())
        return self._booked.get(service_id, 0)

    def availability(self, service: Service, quota: bool = True) -> hours.Availability:
        """Whether a kiosk may issue for ``service`` now (hours, holidays, break, and with
        ``quota`` the daily quota: issuing checks that against the number it takes)."""
        if not service.active or not service.agency.active:
            return hours.Availability(False, "inactive", "Layanan ini tidak tersedia.")
        cutoff = service.issue_cutoff_minutes
        if cutoff is None:
            cutoff = int((self.site.settings or {}).get("issue_cutoff_minutes", 0))
        week = hours.parse_hours(service.hours)
        local = self.now.astimezone(self.tz)
        always = week[hours.DAYS[local.weekday()]] == [hours.ALWAYS]
        avail = hours.issuing_availability(
            week, local, holidays=() if always else self.holidays(),
            friday_break=friday_break(self.site), cutoff_minutes=cutoff)
        if quota and avail.open and service.daily_quota is not None:
            day = self.service_day(service.id)
            if (day is not None and day.last_sequence + self.booked_today(service.id)
                    >= service.daily_quota):
                return hours.Availability(False, "quota_reached",
                                          "Kuota nomor antrian hari ini sudah habis.")
        return avail

    def texts_en(self, service: Service) -> dict[str, Any]:
        """The standard's English texts of ``service`` (complaints: else the site's)."""
        texts = dict(service.texts_en or {})
        if not service.complaints and not texts.get("complaints"):
            site_text = (self.site.settings or {}).get("complaints_en", "")
            if site_text:
                texts["complaints"] = site_text
        return texts

    def opens_next(self, service: Service, avail: hours.Availability) -> datetime | None:
        """When a closed service next takes tickets (None while open or not in use)."""
        if avail.open or avail.reason == "inactive":
            return None
        return hours.next_opening(
            hours.parse_hours(service.hours), self.now.astimezone(self.tz),
            holidays=self.holidays(), friday_break=friday_break(self.site),
            skip_today=avail.reason == "quota_reached")

    # -- shapes of the contract -----------------------------------------------------------
    @staticmethod
    def agency(agency: Agency) -> dict[str, Any]:
        return {"id": agency.id, "code": agency.code, "name": agency.name,
                "short_name": agency.short_name or agency.code}

    def service(self, service: Service) -> dict[str, Any]:
        avail = self.availability(service)
        settings = self.site.settings or {}
        return {
            "id": service.id, "code": service.code, "name": service.name,
            "name_en": service.name_en or service.name,
            "prefix": service.prefix, "agency": self.agency(service.agency),
            "open": avail.open, "closed_reason": avail.reason, "closed_message": avail.message,
            "waiting": self.waiting_count(service.id),
            "requirements": list(service.requirements or []),
            "procedure": list(service.procedure or []),
            "legal_basis": service.legal_basis,
            "description": service.description,
            "product": service.product,
            # how complaints are handled: the service's own text, else the site's
            "complaints": service.complaints or settings.get("complaints", ""),
            # the standard's English texts where written (pages fall back to Indonesian)
            "texts_en": self.texts_en(service),
            "hours_week": hours.week_groups(hours.parse_hours(service.hours),
                                            friday_break(self.site)),
            "opens_next": self.iso(self.opens_next(service, avail)),
            "sla_minutes": service.sla_minutes, "fee": service.fee, "fee_note": service.fee_note,
            "daily_quota": service.daily_quota,
            "hours": service.hours,
            "priority_enabled": service.priority_enabled,
            # the site file's booking table (slot_minutes, per_slot, ...); null: no bookings
            "booking": service.booking,
            # tickets for today may be taken from a phone (mpp.domain.remote_join)
            "remote_join": bool(service.remote_join),
            "open_counters": self.open_counters(service.id),
        }

    def counter(self, counter: Counter) -> dict[str, Any]:
        return {
            "id": counter.id, "name": counter.name, "agency": self.agency(counter.agency),
            "service_ids": [s.id for s in counter.services],
            "open": counter.staff_user_id is not None,
            "spoken_name": counter.spoken_name or counter.name,
            # Public: the name staff wear on their badge, never the login name.
            "staff": None if counter.staff is None else {
                "id": counter.staff.id, "full_name": counter.staff.full_name},
        }

    def place_known(self, ticket_id: int, ahead: int) -> None:
        """Note a waiting ticket's place read elsewhere (issuing counts it as it inserts)."""
        self._ahead[ticket_id] = int(ahead)

    def people_ahead(self, ticket: Ticket) -> int:
        if ticket.status != TicketStatus.WAITING:
            return 0
        sid = ticket.service_id
        if ticket.id in self._ahead:
            return self._ahead[ticket.id]
        if (sid not in self._positions and not ticket.priority
                and ticket.business_date == self.today):
            # One statement, as when a ticket is issued: the tickets ahead by issue time and
            # the priority tickets waiting. Without a priority ticket the order is plain
            # issue order, so the count is the place (no need to read the whole order).
            ahead, priority = self.session.execute(_AHEAD_AND_PRIORITY, {
                "service_id": sid, "day": self.today, "issued_at": ticket.issued_at,
                "ticket_id": ticket.id}).one()
            if priority == 0:
                self._ahead[ticket.id] = int(ahead)
                return int(ahead)
        positions = self.queue_positions(ticket.service)
        # A waiting ticket of an earlier day (close-day not run yet) is not in today's order.
        return positions.get(ticket.id, len(positions))

    def shown_status(self, ticket: Ticket) -> str:
        """The ticket's status, with a ticket still waiting from an earlier day shown as
        ``expired`` (it can never be called; the day's close will record it so)."""
        if ticket.status == TicketStatus.WAITING and ticket.business_date < self.today:
            return TicketStatus.EXPIRED
        return ticket.status

    def ticket(self, ticket: Ticket) -> dict[str, Any]:
        service = ticket.service
        status = self.shown_status(ticket)
        ahead = self.people_ahead(ticket) if status == TicketStatus.WAITING else 0
        wait = open_counters = None
        if status == TicketStatus.WAITING:
            open_counters = self.open_counters(service.id)
            wait = estimates.estimated_wait_minutes(
                ahead, self.typical_service_seconds(service), open_counters)
        counter = ticket.counter
        return {
            "id": ticket.id, "number": ticket.number,
            "service": {"id": service.id, "code": service.code, "name": service.name,
                        "name_en": service.name_en or service.name,
                        "sla_minutes": service.sla_minutes},
            "agency": self.agency(service.agency),
            "status": status, "priority": ticket.priority,
            "priority_category": ticket.priority_category,
            # issued at a booking's on-time check-in: queued at the slot's start
            "booked": bool(ticket.booked),
            # taken from a phone; while not checked in, the deadline (never called before)
            "remote": bool(ticket.remote), "check_in_by": self.iso(ticket.check_in_by),
            "people_ahead": ahead, "estimated_wait_minutes": wait,
            # while waiting: the open counters serving its service (0: nobody calls it now)
            "open_counters": open_counters,
            "counter": None if counter is None else {
                "id": counter.id, "name": counter.name,
                "spoken_name": counter.spoken_name or counter.name},
            "issued_at": self.iso(ticket.issued_at), "called_at": self.iso(ticket.called_at),
            # when the citizen was there (a booked ticket's issued_at is its slot's start)
            "arrived_at": self.iso(ticket.arrived_at or ticket.issued_at),
            "last_called_at": self.iso(ticket.last_called_at),
            "started_at": self.iso(ticket.started_at), "finished_at": self.iso(ticket.finished_at),
            "business_date": ticket.business_date.isoformat(),
            "call_count": ticket.call_count,
            "transfer_count": ticket.transfer_count,
            "token": ticket.token, "status_url": f"{self.base_url}/t/{ticket.token}",
        }

    def waiting_row(self, ticket: Ticket) -> dict[str, Any]:
        """A waiting ticket as a counter's list shows it: a slim Ticket (no token, no URL)."""
        service = ticket.service
        return {"id": ticket.id, "number": ticket.number, "status": ticket.status,
                "service": {"id": service.id, "code": service.code, "name": service.name},
                "priority": ticket.priority, "priority_category": ticket.priority_category,
                "booked": bool(ticket.booked),
                "remote": bool(ticket.remote), "check_in_by": self.iso(ticket.check_in_by),
                "issued_at": self.iso(ticket.issued_at),
                "arrived_at": self.iso(ticket.arrived_at or ticket.issued_at),
                "people_ahead": self.queue_positions(service).get(ticket.id, 0),
                "transfer_count": ticket.transfer_count}

    def service_feed(self, service: Service) -> dict[str, Any]:
        """The ``queue`` event on /ticket for one service: today's waiting tickets' ids in
        the exact order the rule will call them, and what a status page needs to show its
        place and estimate (``people_ahead`` = index in ``order``; ``estimated_wait_minutes``
        = ceil(people_ahead × typical_service_seconds ÷ max(open_counters, 1) ÷ 60))."""
        positions = self.queue_positions(service)
        return {"service_id": service.id, "waiting": self.waiting_count(service.id),
                "order": sorted(positions, key=positions.__getitem__),
                "typical_service_seconds": self.typical_service_seconds(service),
                "open_counters": self.open_counters(service.id)}

    def call(self, ticket: Ticket, recall: bool) -> dict[str, Any]:
        assert ticket.counter is not None
        return {"ticket": self.ticket(ticket),
                "counter": {"id": ticket.counter.id, "name": ticket.counter.name,
                            "spoken_name": ticket.counter.spoken_name or ticket.counter.name},
                "recall": recall, "at": self.iso(ticket.last_called_at)}

    def queue_counts(self) -> dict[str, Any]:
        """The payload of the ``queue`` event: waiting counts per service and agency, and
        what a ticket taken now would wait (mpp.services.outlook)."""
        from .outlook import queue_counts

        return queue_counts(self)

    def site_facts(self) -> dict[str, Any]:
        """What boards show of the site: its name, time zone and the running text in
        Indonesian and (when set) English."""
        settings = self.site.settings or {}
        return {"code": self.site.code, "name": self.site.name, "timezone": self.site.timezone,
                "running_text": settings.get("running_text", ""),
                "running_text_en": settings.get("running_text_en", "")}

    def snapshot(self, recent_calls: list[dict[str, Any]]) -> dict[str, Any]:
        """The hall snapshot of the contract, plus site and agency facts for boards."""
        counters = self.session.scalars(
            select(Counter).join(Agency).where(Agency.site_id == self.site.id)
            .options(selectinload(Counter.agency), selectinload(Counter.services),
                     selectinload(Counter.staff))
            .order_by(Agency.sort_order, Counter.id)).all()
        held = {
            t.counter_id: t for t in self.session.scalars(
                select(Ticket).where(Ticket.status.in_(["called", "serving"]),
                                     Ticket.site_id == self.site.id)
                .options(selectinload(Ticket.service).selectinload(Service.agency),
                         selectinload(Ticket.counter)))
        }
        counts = self.queue_counts()
        agencies = self.session.scalars(
            select(Agency).where(Agency.site_id == self.site.id).order_by(Agency.sort_order,
                                                                         Agency.id)).all()
        return {
            "site": self.site_facts(),
            "now": self.iso(self.now),
            "agencies": [self.agency(a) for a in agencies],
            "services": counts["services"],
            "agency_waiting": counts["agencies"],
            "counters": [
                {**self.counter(c),
                 "ticket": self.ticket(held[c.id]) if c.id in held else None}
                for c in counters
            ],
            "recent_calls": recent_calls,
        }
