"""The booking use cases: a service's slots, book, read, cancel and move a booking.

Places are exact under concurrency the way numbering is (mpp.services.queue): booking a
slot takes the lock of the service's ``service_day`` row of the slot's day (an upsert that
changes nothing, held until the commit on PostgreSQL; SQLite holds its write lock from
``BEGIN IMMEDIATE``), then counts the slot's places and the day's quota. Issuing a walk-in
ticket takes the same row, so walk-ins and bookings together never pass the quota. The
per-phone limit takes a transaction-scoped advisory lock on the number (PostgreSQL), so two
bookings of one phone for different services cannot both pass it.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, bindparam, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from ..clock import Clock
from ..db import Database
from ..domain import booking as rules_of
from ..domain import hours
from ..domain.actor import Actor
from ..domain.booking import HOLDING, BookingRules, BookingStatus, Slot
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.queue_order import NO_PRIORITY_YET
from ..models import (
    Agency,
    Booking,
    Holiday,
    RemoteJoin,
    Service,
    ServiceDay,
    Site,
    Ticket,
)
from .notifications import enqueue, settings_of
from .presenter import Presenter, friday_break

if TYPE_CHECKING:
    from .queue import QueueService

#: Locks a service's day (see the module docstring) and reads how many tickets it issued.
LOCK_DAY = text(
    "INSERT INTO service_day (service_id, business_date, last_sequence, regular_since_priority)"
    " VALUES (:service_id, :business_date, 0, :rule_state)"
    " ON CONFLICT (service_id, business_date)"
    " DO UPDATE SET last_sequence = service_day.last_sequence"
    " RETURNING last_sequence",
).bindparams(bindparam("business_date", type_=Date())).columns(last_sequence=Integer)
#: the first key of the per-phone advisory locks (any fixed number)
PHONE_LOCK_SPACE = 4_826_010

_SERVICE_AND_SITE = (select(Service, Site).join(Service.agency)
                     .join(Site, Site.id == Agency.site_id)
                     .where(Service.id == bindparam("service_id"))
                     .options(contains_eager(Service.agency)))


def booked_waiting(s: Session, service_id: int, day: date,
                   without: int | None = None) -> int:
    """Bookings of ``day`` still waiting to check in: places the quota keeps for them."""
    stmt = select(func.count(Booking.id)).where(
        Booking.service_id == service_id, Booking.business_date == day,
        Booking.status == BookingStatus.BOOKED)
    if without is not None:
        stmt = stmt.where(Booking.id != without)
    return s.scalar(stmt) or 0


@dataclass(frozen=True)
class CheckInPlan:
    """What a booking's check-in asks of the ticket issued for it (mpp.services.queue)."""

    #: on time: the ticket queues at ``queue_at`` (the slot's start) and is marked booked
    booked: bool
    queue_at: datetime
    #: ties the booking to its ticket once the ticket has an id; the issue event's detail
    attach: Callable[[Ticket], dict[str, Any]]
    #: the booking's phone, the ticket's for notifications
    phone: str | None = None


#: run by QueueService.issue inside its transaction: (session, service, site, now) -> plan
CheckInStep = Callable[[Session, Service, Site, datetime], CheckInPlan]


def insert_with_code(s: Session, row: Booking | RemoteJoin, tries: int = 5) -> None:
    """Add a booking or a remote ticket with a fresh code, unlike any booking's or remote
    ticket's (both are typed at the same kiosk); a clash, one in a billion, draws again."""
    other = RemoteJoin if isinstance(row, Booking) else Booking
    for attempt in range(tries):
        row.code = rules_of.new_code()
        if s.scalar(select(exists().where(other.code == row.code))):
            continue
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
            return
        except IntegrityError:
            if attempt == tries - 1:
                raise
    raise Conflict("No free code; try again.", "try_again")  # pragma: no cover


def _status_counts(s: Session, model: type[Booking] | type[RemoteJoin], first: date,
                   last: date, agency_id: int | None) -> dict[str, int]:
    """How many rows of ``model`` (bookings or remote joins) for the days ``first`` …
    ``last`` have each status (of one agency's services, when given)."""
    stmt = (select(model.status, func.count(model.id))
            .where(model.business_date >= first, model.business_date <= last)
            .group_by(model.status))
    if agency_id is not None:
        stmt = stmt.join(Service, Service.id == model.service_id).where(
            Service.agency_id == agency_id)
    return {str(status): int(n) for status, n in s.execute(stmt).all()}


def booking_totals(s: Session, first: date, last: date,
                   agency_id: int | None = None) -> dict[str, int]:
    """The report's booking figures for the days ``first`` … ``last``: ``booked`` (bookings
    for those days not cancelled), ``checked_in`` and ``booking_no_show``; and the
    remote-join figures (:func:`remote_totals`)."""
    counts = _status_counts(s, Booking, first, last, agency_id)
    return {"booked": sum(n for status, n in counts.items()
                          if status != BookingStatus.CANCELLED),
            "checked_in": counts.get(BookingStatus.CHECKED_IN, 0),
            "booking_no_show": counts.get(BookingStatus.NO_SHOW, 0),
            **remote_totals(s, first, last, agency_id)}


def remote_totals(s: Session, first: date, last: date,
                  agency_id: int | None = None) -> dict[str, int]:
    """The report's remote-join figures (mpp.domain.remote_join) for the days ``first`` …
    ``last``: ``remote_joined``, ``remote_checked_in`` and ``remote_expired`` (not checked
    in in time: cancelled, never called)."""
    counts = _status_counts(s, RemoteJoin, first, last, agency_id)
    return {"remote_joined": sum(counts.values()),
            "remote_checked_in": counts.get("checked_in", 0),
            "remote_expired": counts.get("expired", 0)}


def mark_no_shows(s: Session, day: date, now: datetime) -> int:
    """Bookings of ``day`` or before never checked in become ``no_show``; how many."""
    result = s.execute(update(Booking).where(
        Booking.status == BookingStatus.BOOKED, Booking.business_date <= day)
        .values(status=BookingStatus.NO_SHOW).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class _Day:
    """What the slots of one service on one day are cut from."""

    service: Service
    site: Site
    rules: BookingRules
    tz: ZoneInfo
    slots: list[Slot]


class BookingService:
    """Bookings over one database and clock; ``base_url`` makes the pages' addresses."""

    def __init__(self, db: Database, clock: Clock, base_url: str,
                 queue: QueueService | None = None):
        self.db = db
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        #: the QueueService that issues a checked-in booking's ticket
        self.queue = queue

    # -- reading -----------------------------------------------------------------------------
    def slots(self, service_id: int, day: date | None = None) -> dict[str, Any]:
        """The slots of ``day`` (default today) with their places left; [] when the service
        takes no bookings, is closed that day or the day is outside its booking window."""
        now = self.clock.now()
        with self.db.read() as s:
            service, site = self._service(s, service_id)
            tz = ZoneInfo(site.timezone)
            today = now.astimezone(tz).date()
            day = day or today
            answer: dict[str, Any] = {"service_id": service.id, "date": day.isoformat(),
                                      "slots": []}
            rules = rules_of.parse_rules(service.booking)
            if (rules is None or not service.active or not service.agency.active
                    or day not in rules_of.bookable_days(today, rules)):
                return answer
            slots = self._day_slots(s, service, site, rules, day)
            taken = dict(s.execute(
                select(Booking.slot_start, func.count(Booking.id))
                .where(Booking.service_id == service.id, Booking.business_date == day,
                       Booking.status.in_(list(HOLDING)))
                .group_by(Booking.slot_start)).all())
            quota_left = None
            if service.daily_quota is not None:
                issued = s.scalar(select(ServiceDay.last_sequence).where(
                    ServiceDay.service_id == service.id, ServiceDay.business_date == day)) or 0
                quota_left = max(0, service.daily_quota - issued
                                 - booked_waiting(s, service.id, day))
            for slot in slots:
                left = max(0, rules.per_slot - taken.get(slot.start, 0))
                if quota_left is not None:
                    left = min(left, quota_left)
                if slot.end <= now:
                    left = 0
                answer["slots"].append({
                    "start": slot.start.isoformat(), "end": slot.end.isoformat(),
                    "capacity": rules.per_slot, "available": left})
            return answer

    def day_list(self, actor: Actor, service_id: int, day: date | None = None
                 ) -> dict[str, Any]:
        """A day's bookings of a service by slot, for staff (of its agency), managers and
        admins: code, name, the phone masked, status and the ticket's number."""
        now = self.clock.now()
        with self.db.read() as s:
            service, site = self._service(s, service_id)
            if (actor.role in ("staff", "manager")
                    and actor.agency_id not in (None, service.agency_id)):
                raise Forbidden("This service belongs to another agency.", "other_agency")
            p = Presenter(s, now, self.base_url, site)
            day = day or p.today
            rows = s.scalars(select(Booking).where(
                Booking.service_id == service.id, Booking.business_date == day)
                .order_by(Booking.slot_start, Booking.id)
                .options(selectinload(Booking.ticket))).all()
            return {"service_id": service.id, "date": day.isoformat(), "bookings": [{
                "id": b.id, "code": b.code, "start": p.iso(b.slot_start),
                "end": p.iso(b.slot_end), "status": b.status, "name": b.name,
                "phone_masked": rules_of.mask_phone(b.phone),
                "checked_in_at": p.iso(b.checked_in_at),
                "ticket_number": None if b.ticket is None else b.ticket.number,
            } for b in rows]}

    def get(self, token: str) -> dict[str, Any]:
        """A booking by its token; 404 ``booking_not_found``."""
        with self.db.read() as s:
            return self._present(s, self._by_token(s, token))

    # -- changing ----------------------------------------------------------------------------
    def book(self, service_id: int, start: str, name: str, phone: str,
             per_phone: int | None = None) -> dict[str, Any]:
        """Book the slot of ``service_id`` that starts at ``start`` (409 ``slot_full``,
        ``quota_reached``, ``service_closed``, ``booking_limit`` …; 422 ``invalid_slot``)."""
        key = rules_of.phone_key(phone)
        name = " ".join(name.split())
        now = self.clock.now()
        with self.db.write() as s:
            day = self._slot_day(s, service_id, start)
            slot = rules_of.find_slot(day.slots, rules_of.parse_start(start, day.tz))
            rules_of.check_bookable(slot, now, now.astimezone(day.tz).date(), day.rules)
            business_date = slot.start.date()
            self._check_phone(s, key, business_date, day.site, per_phone)
            self._check_places(s, day, slot)
            booking = Booking(
                site_id=day.site.id, service_id=day.service.id, business_date=business_date,
                slot_start=slot.start, slot_end=slot.end, token=secrets.token_urlsafe(16),
                name=name, phone=phone.strip(), phone_key=key, status=BookingStatus.BOOKED,
                created_at=now, moved_count=0)
            booking.service = day.service
            insert_with_code(s, booking)
            data = self._present(s, booking)
            # the citizen's confirmation, written with the booking (sent by the outbox)
            enqueue(s, settings_of(day.site), "booking.created", str(booking.id),
                    booking.phone, "booking", data, now,
                    Presenter(s, now, self.base_url, day.site))
            return data

    def cancel(self, token: str) -> dict[str, Any]:
        """Cancel a booking not checked in yet: its place is free again."""
        now = self.clock.now()
        with self.db.write() as s:
            booking = self._by_token(s, token, lock=True)
            self._check_still_booked(booking)
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            s.flush()
            return self._present(s, booking)

    def move(self, token: str, start: str) -> dict[str, Any]:
        """Move a booking not checked in yet to another slot of its service (any day of its
        window); the code and token stay. Refused like a new booking when the slot is full."""
        now = self.clock.now()
        with self.db.write() as s:
            booking = self._by_token(s, token, lock=True)
            self._check_still_booked(booking)
            day = self._slot_day(s, booking.service_id, start)
            slot = rules_of.find_slot(day.slots, rules_of.parse_start(start, day.tz))
            if slot.start == booking.slot_start:
                return self._present(s, booking)
            rules_of.check_bookable(slot, now, now.astimezone(day.tz).date(), day.rules)
            business_date = slot.start.date()
            if business_date != booking.business_date:
                self._check_phone(s, booking.phone_key, business_date, day.site, None,
                                  without=booking.id)
            self._check_places(s, day, slot, without=booking.id)
            booking.slot_start, booking.slot_end = slot.start, slot.end
            booking.business_date = business_date
            booking.moved_count += 1
            s.flush()
            return self._present(s, booking)

    def check_in(self, actor: Actor, code: str, lang: str | None = None) -> dict[str, Any]:
        """Check a booking in by its code (kiosk or staff): 201 its ticket, queued at the
        slot's start when on time, else an ordinary walk-in (409 ``too_early``,
        ``already_checked_in``, ``booking_cancelled``, ``booking_no_show``; 404 unknown).
        A remote ticket's code checks that ticket in (mpp.services.remote_join). ``lang``:
        the kiosk's language, the printed ticket's (as for a walk-in's)."""
        code = rules_of.normalize_code(code)
        with self.db.read() as s:
            service_id = s.scalar(select(Booking.service_id).where(Booking.code == code))
        if service_id is None:
            # not a booking: a remote ticket's code (mpp.services.remote_join) checks in there
            from .remote_join import RemoteJoinService

            assert self.queue is not None
            return RemoteJoinService(self.db, self.clock, self.queue).check_in(actor, code,
                                                                               lang)

        def step(s: Session, service: Service, site: Site, now: datetime) -> CheckInPlan:
            booking = s.scalars(select(Booking).where(Booking.code == code)
                                .with_for_update()).one()
            if actor.role == "staff" and actor.agency_id not in (None, service.agency_id):
                raise Forbidden("This booking is for another agency.", "other_agency")
            self._check_still_booked(booking)
            tz = ZoneInfo(site.timezone)
            rules = rules_of.parse_rules(service.booking) or BookingRules()
            on_time = rules_of.check_in_on_time(booking.slot_start, booking.business_date,
                                                now, now.astimezone(tz).date(), rules)
            # checked in before the number is taken: the quota no longer keeps its place
            booking.status = BookingStatus.CHECKED_IN
            booking.checked_in_at = now
            s.flush()

            def attach(ticket: Ticket) -> dict[str, Any]:
                booking.ticket_id = ticket.id
                return {"booking": booking.code, "booked": on_time}

            return CheckInPlan(on_time, booking.slot_start, attach, booking.phone)

        assert self.queue is not None, "check-in issues tickets through the QueueService"
        return self.queue.issue(actor, service_id, check_in=step, lang=lang)

    # -- the steps ---------------------------------------------------------------------------
    @staticmethod
    def _service(s: Session, service_id: int) -> tuple[Service, Site]:
        found = s.execute(_SERVICE_AND_SITE, {"service_id": service_id}).first()
        if found is None:
            raise NotFound(f"Service {service_id} does not exist.", "service_not_found")
        return found._tuple()

    def _slot_day(self, s: Session, service_id: int, start: str) -> _Day:
        """The service, its rules and the slots of the day ``start`` falls on (409 when the
        service takes no bookings or is closed that day)."""
        service, site = self._service(s, service_id)
        rules = rules_of.parse_rules(service.booking)
        if rules is None:
            raise Conflict(f"{service.name} tidak menerima booking; ambil nomor di kiosk. / "
                           "This service takes no bookings.", "booking_not_offered")
        if not service.active or not service.agency.active:
            raise Conflict(f"{service.name} tidak tersedia. / This service is not in use.",
                           "service_closed")
        tz = ZoneInfo(site.timezone)
        day = rules_of.parse_start(start, tz).date()
        rules_of.check_day(day, self.clock.now().astimezone(tz).date(), rules)
        slots = self._day_slots(s, service, site, rules, day)
        if not slots:
            raise Conflict(f"{service.name} tutup pada {day.isoformat()}. / The service is "
                           "closed that day.", "service_closed")
        return _Day(service, site, rules, tz, slots)

    @staticmethod
    def _day_slots(s: Session, service: Service, site: Site, rules: BookingRules,
                   day: date) -> list[Slot]:
        cutoff = service.issue_cutoff_minutes
        if cutoff is None:
            cutoff = int((site.settings or {}).get("issue_cutoff_minutes", 0))
        holidays = set(s.scalars(select(Holiday.day).where(Holiday.site_id == site.id,
                                                           Holiday.day == day)))
        return rules_of.day_slots(hours.parse_hours(service.hours), day,
                                  ZoneInfo(site.timezone), rules, holidays=holidays,
                                  friday_break=friday_break(site), cutoff_minutes=cutoff)

    @staticmethod
    def _check_phone(s: Session, key: str, day: date, site: Site, per_phone: int | None,
                     without: int | None = None) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                      {"space": PHONE_LOCK_SPACE, "key": _signed32(zlib.crc32(key.encode()))})
        limit = per_phone or int((site.settings or {}).get("bookings_per_phone",
                                                           rules_of.DEFAULT_PER_PHONE))
        stmt = select(func.count(Booking.id)).where(
            Booking.phone_key == key, Booking.business_date == day,
            Booking.status == BookingStatus.BOOKED)
        if without is not None:
            stmt = stmt.where(Booking.id != without)
        rules_of.check_phone_limit(s.scalar(stmt) or 0, limit)

    @staticmethod
    def _check_places(s: Session, day: _Day, slot: Slot, without: int | None = None) -> None:
        """Lock the service's day, then refuse when the slot or the day's quota is full."""
        business_date = slot.start.date()
        issued = s.execute(LOCK_DAY, {"service_id": day.service.id,
                                      "business_date": business_date,
                                      "rule_state": NO_PRIORITY_YET}).scalar_one()
        in_slot = select(func.count(Booking.id)).where(
            Booking.service_id == day.service.id, Booking.business_date == business_date,
            Booking.slot_start == slot.start, Booking.status.in_(list(HOLDING)))
        if without is not None:
            in_slot = in_slot.where(Booking.id != without)
        rules_of.check_places(
            in_slot=s.scalar(in_slot) or 0, rules=day.rules, issued=issued,
            booked_day=booked_waiting(s, day.service.id, business_date, without),
            quota=day.service.daily_quota)

    @staticmethod
    def _by_token(s: Session, token: str, lock: bool = False) -> Booking:
        stmt = (select(Booking).where(Booking.token == token)
                .options(selectinload(Booking.service).selectinload(Service.agency)))
        if lock:
            stmt = stmt.with_for_update(of=Booking)
        booking = s.scalars(stmt).first()
        if booking is None:
            raise NotFound("Booking tidak ditemukan. / No booking has this token.",
                           "booking_not_found")
        return booking

    @staticmethod
    def _check_still_booked(booking: Booking) -> None:
        if booking.status == BookingStatus.CHECKED_IN:
            raise Conflict("Booking ini sudah check-in. / This booking is checked in.",
                           "already_checked_in")
        if booking.status == BookingStatus.CANCELLED:
            raise Conflict("Booking ini sudah dibatalkan. / This booking is cancelled.",
                           "booking_cancelled")
        if booking.status == BookingStatus.NO_SHOW:
            raise Conflict("Booking ini sudah lewat tanpa check-in. / This booking was not "
                           "checked in on its day.", "booking_no_show")

    def _present(self, s: Session, booking: Booking) -> dict[str, Any]:
        return present_booking(Presenter(s, self.clock.now(), self.base_url), booking,
                               self.base_url)


def present_booking(p: Presenter, booking: Booking, base_url: str) -> dict[str, Any]:
    """The contract's Booking, for the holder of its token."""
    service = booking.service
    rules = rules_of.parse_rules(service.booking) or BookingRules()
    return {
        "id": booking.id, "code": booking.code, "token": booking.token,
        "service": {"id": service.id, "code": service.code, "name": service.name,
                    "name_en": service.name_en or service.name},
        "agency": p.agency(service.agency),
        "start": p.iso(booking.slot_start), "end": p.iso(booking.slot_end),
        "date": booking.business_date.isoformat(),
        "status": booking.status,
        "status_url": f"{base_url.rstrip('/')}/b/{booking.token}",
        "ticket": None if booking.ticket is None else p.ticket(booking.ticket),
        "name": booking.name, "phone_masked": rules_of.mask_phone(booking.phone),
        "check_in_opens_at": p.iso(booking.slot_start - rules_of.CHECK_IN_OPENS),
        "grace_minutes": rules.grace_minutes,
        "created_at": p.iso(booking.created_at),
        "cancelled_at": p.iso(booking.cancelled_at),
        "checked_in_at": p.iso(booking.checked_in_at),
    }


def _signed32(number: int) -> int:
    """An unsigned 32-bit number as PostgreSQL's signed ``integer``."""
    return number - 2**32 if number >= 2**31 else number


