"""The ticket use cases: issue, call, recall, start, finish, no-show, transfer, cancel, expire.

Each runs in one write transaction. Numbering and calling lock the service's ``service_day``
row (PostgreSQL ``FOR UPDATE``; SQLite holds its write lock from ``BEGIN IMMEDIATE``), so
many kiosks and counters acting at once never share or skip a number nor call a ticket twice.
Events are published only after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    bindparam,
    func,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager, defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import Clock
from ..db import Database
from ..domain import numbering
from ..domain.actor import Actor
from ..domain.booking import phone_key
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..domain.hours import CLOSED_FOR_THE_DAY
from ..domain.queue_order import (
    NO_PRIORITY_YET,
    Candidate,
    ServiceQueue,
    ServiceWaiting,
    choose_next,
    counter_call_order,
    counter_rule_state,
    next_regular_since_priority,
    service_head,
)
from ..domain.states import HELD, Action, TicketStatus, next_status
from ..events import (
    CALLED,
    HALL,
    TICKET,
    TICKET_CHANGED,
    Event,
    Publisher,
    ticket_room,
)
from ..i18n import languages
from ..models import (
    UTC_TS,
    Agency,
    Counter,
    CounterService,
    CounterSession,
    Service,
    ServiceDay,
    Site,
    Ticket,
    TicketEvent,
)
from ..queue_feed import FeedRound, QueueFeed
from .bookings import CheckInStep, booked_waiting, mark_no_shows
from .presenter import OPEN_COUNTERS_OF_SERVICE, Presenter, site_of

PRIORITY_CATEGORIES = ("elderly", "disabled", "pregnant", "child")
RECENT_CALLS = 10

#: Takes the next number of a service's day: an atomic increment of its ``service_day`` row,
#: made on the day's first ticket, which holds the row's lock until the commit. Written as
#: text (the same on SQLite and PostgreSQL) because SQLAlchemy compiles its dialect-specific
#: ``INSERT … ON CONFLICT`` construct anew on every execution, and this runs on every issue.
TAKE_NUMBER = text(
    "INSERT INTO service_day (service_id, business_date, last_sequence, regular_since_priority)"
    " VALUES (:service_id, :business_date, 1, :rule_state)"
    " ON CONFLICT (service_id, business_date)"
    " DO UPDATE SET last_sequence = service_day.last_sequence + 1"
    " RETURNING last_sequence",
).bindparams(bindparam("business_date", type_=Date())).columns(last_sequence=Integer)

# The other statements of issue, call-next and the held-ticket actions, built once with named
# parameters: SQLAlchemy then skips building each and computing its cache key per request.
#: a service's standard texts, which issuing and calling never read, left in the database
#: (they are most of the row: lists and JSON to decode)
_NO_STANDARD_TEXTS = tuple(defer(c) for c in (
    Service.description, Service.requirements, Service.procedure, Service.legal_basis,
    Service.product, Service.complaints, Service.texts_en))
#: a service, its agency (loaded), its site and its open counters
_SERVICE_AND_SITE = (select(Service, Site, OPEN_COUNTERS_OF_SERVICE).join(Service.agency)
                     .join(Site, Site.id == Agency.site_id)
                     .where(Service.id == bindparam("service_id"))
                     .options(contains_eager(Service.agency), *_NO_STANDARD_TEXTS))
#: a counter, locked, with its agency (loaded) and its site
_COUNTER_AND_SITE = (select(Counter, Site).join(Counter.agency)
                     .join(Site, Site.id == Agency.site_id)
                     .where(Counter.id == bindparam("counter_id"))
                     .options(contains_eager(Counter.agency))
                     .with_for_update(of=Counter))
#: the services a counter serves that are in use
_ACTIVE_SERVICES_OF = (select(Service)
                       .join(CounterService, CounterService.service_id == Service.id)
                       .where(CounterService.counter_id == bindparam("counter_id"),
                              Service.active.is_(True))
                       .options(*_NO_STANDARD_TEXTS))
#: the number of the ticket a counter holds
_HELD_BY = select(Ticket.number).where(Ticket.counter_id == bindparam("counter_id"),
                                        Ticket.status.in_(list(HELD))).limit(1)
#: the services a counter serves that are in use, each with the number the counter holds
_SERVICES_AND_HELD = _ACTIVE_SERVICES_OF.add_columns(_HELD_BY.scalar_subquery())
#: the service_day rows of some services, locked in id order (no deadlocks)
_LOCK_DAYS = (select(ServiceDay)
              .where(ServiceDay.service_id.in_(bindparam("service_ids", expanding=True)),
                     ServiceDay.business_date == bindparam("day"))
              .order_by(ServiceDay.service_id).with_for_update())
#: a waiting ticket called to a counter; the ticket comes back
_CALL = (update(Ticket).where(Ticket.id == bindparam("ticket_id"),
                              Ticket.status == TicketStatus.WAITING)
         .values(status=TicketStatus.CALLED, counter_id=bindparam("to_counter_id"),
                 staff_user_id=bindparam("by_user_id"),
                 last_called_at=bindparam("now", type_=UTC_TS),
                 called_at=func.coalesce(Ticket.called_at, bindparam("now", type_=UTC_TS)),
                 call_count=Ticket.call_count + 1)
         .returning(Ticket)
         .execution_options(synchronize_session=False, populate_existing=True))
#: a ticket with its service and agency, its counter and its site, read afresh
_TICKET_AND_SITE = (select(Ticket, Site).join(Site, Site.id == Ticket.site_id)
                    .where(Ticket.id == bindparam("ticket_id"))
                    .options(joinedload(Ticket.service, innerjoin=True)
                             .joinedload(Service.agency, innerjoin=True),
                             joinedload(Ticket.counter))
                    .execution_options(populate_existing=True))
_TICKET_AND_SITE_LOCKED = _TICKET_AND_SITE.with_for_update(of=Ticket)
#: the counter a staff member holds
_COUNTER_OF_STAFF = select(Counter).where(Counter.staff_user_id == bindparam("user_id"))

#: one row of the ticket event log
_INSERT_EVENT = TicketEvent.__table__.insert()
#: a held ticket's new values after an action (each parameter given is set)
_UPDATE_TICKET = update(Ticket.__table__).where(Ticket.__table__.c.id == bindparam("ticket_id"))
#: a service's priority rule state for a day, after a call
_SET_RULE_STATE = (update(ServiceDay.__table__)
                   .where(ServiceDay.__table__.c.service_id == bindparam("day_service_id"),
                          ServiceDay.__table__.c.business_date == bindparam("day"))
                   .values(regular_since_priority=bindparam("state")))


def _insert_ticket() -> Any:
    """A new ticket as a plain INSERT (no unit-of-work flush). Back come its id and, counted
    in the same statement, today's waiting tickets of its service issued before it (by issue
    time, then id: its place when no priority ticket waits), the priority tickets waiting
    and all the others waiting. On PostgreSQL the new row is not in the statement's
    snapshot; on SQLite the conditions leave it out, and a priority ticket's place is not
    taken from the count (Presenter.people_ahead)."""
    # written out: SQLAlchemy does not correlate a subquery of RETURNING with the new row
    waiting = ("SELECT count(*) FROM ticket AS w WHERE w.service_id = ticket.service_id"
               f" AND w.status = '{TicketStatus.WAITING.value}'"
               " AND w.business_date = ticket.business_date AND ")
    ahead = literal_column(f"({waiting}(w.issued_at < ticket.issued_at OR"
                           " (w.issued_at = ticket.issued_at AND w.id < ticket.id)))")
    priority = literal_column(f"({waiting}w.priority)")
    others = literal_column(f"({waiting}w.id <> ticket.id)")
    t = Ticket.__table__
    return t.insert().returning(t.c.id, ahead.label("ahead"), priority.label("priority_waiting"),
                                others.label("others_waiting"))


_INSERT_TICKET = _insert_ticket()

#: called after a ticket is issued, inside the transaction, with the presenter that
#: serialized it: (session, ticket, actor, presenter) -> events to publish after commit
IssueHook = Callable[[Session, Ticket, Actor, Presenter], list[Event]]


def counter_room(counter_id: int) -> str:
    """The /hall sockets that asked to follow one counter (its rating tablet)."""
    return f"counter:{counter_id}"


class QueueService:
    """The hall's ticket operations over one database, clock and publisher."""

    def __init__(self, db: Database, clock: Clock, publisher: Publisher, base_url: str):
        self.db = db
        self.clock = clock
        self.publisher = publisher
        self.base_url = base_url
        self.issue_hooks: list[IssueHook] = []
        #: called inside the issue transaction before the number is taken, with the session
        #: and the actor (the printing service reads and locks the kiosk's printer there)
        self.issue_preparers: list[Callable[[Session, Actor], None]] = []
        #: coalesced waiting counts and call orders (see mpp.queue_feed); without one (a
        #: command run outside the server) nothing about the queue is sent
        self.feed: QueueFeed | None = None

    # -- plumbing --------------------------------------------------------------------------
    def presenter(self, session: Session, now: datetime | None = None,
                  site: Site | None = None) -> Presenter:
        return Presenter(session, now or self.clock.now(), self.base_url, site)

    def _dialect_insert(self, session: Session) -> Any:
        name = session.get_bind().dialect.name
        return (postgresql if name == "postgresql" else sqlite).insert(ServiceDay)

    def _log(self, session: Session, ticket: Ticket, kind: str, from_status: str | None,
             actor: Actor, now: datetime, **detail: Any) -> None:
        # a plain INSERT, not a unit-of-work flush: nothing reads the event back as an object
        session.execute(_INSERT_EVENT, dict(
            ticket_id=ticket.id, kind=kind, from_status=from_status, to_status=ticket.status,
            at=now, user_id=actor.user_id, device_id=actor.device_id,
            counter_id=ticket.counter_id if kind != "transferred" else detail.get("counter_id"),
            service_id=ticket.service_id, detail=detail))

    @staticmethod
    def _ticket_event(p: Presenter, ticket: Ticket,
                      data: dict[str, Any] | None = None) -> Event:
        """The ``ticket`` event for this ticket's own status page."""
        return Event(TICKET_CHANGED, TICKET, {"ticket": data or p.ticket(ticket)},
                     ticket_room(ticket.token))

    def _publish(self, events: list[Event], touched: set[int] | None = None,
                 pages: bool = True) -> None:
        """Send ``events`` (after the commit), then have the queue feed send the waiting
        counts and (unless not ``pages``) the call orders of the ``touched`` services."""
        self.publisher.publish(events)
        if touched and self.feed is not None:
            self.feed.touch(touched, pages)

    def feed_round(self, service_ids: set[int], hall: bool = True) -> FeedRound:
        """The queue feed's read: hall counts (unless not ``hall``: then None), and the call
        order of each service given."""
        with self.db.read() as s:
            p = self.presenter(s)
            services = (s.scalars(select(Service).where(Service.id.in_(service_ids))).all()
                        if service_ids else [])
            return FeedRound(p.queue_counts() if hall else None,
                             {sv.id: p.service_feed(sv) for sv in services})

    def issuing_states(self) -> dict[int, str | None]:
        """Why each service takes no ticket now by its hours, holidays and break (None: it
        issues), as the hall's counts say it; the daily quota is left out (an issue that
        reaches it sends the counts itself)."""
        with self.db.read() as s:
            p = self.presenter(s)
            services = s.scalars(select(Service).options(joinedload(Service.agency),
                                                         *_NO_STANDARD_TEXTS)).all()
            return {sv.id: p.availability(sv, quota=False).reason for sv in services}

    def send_counts(self, service_ids: set[int]) -> None:
        """Have the queue feed send the hall's counts soon (no call order changed)."""
        if service_ids and self.feed is not None:
            self.feed.touch(service_ids, pages=False)

    @classmethod
    def load_ticket(cls, session: Session, ticket_id: int, lock: bool = True) -> Ticket:
        """A ticket with its service, agency and counter (locked for update by default), read
        afresh in one statement."""
        return cls.load_ticket_and_site(session, ticket_id, lock)[0]

    @staticmethod
    def load_ticket_and_site(session: Session, ticket_id: int, lock: bool = True
                             ) -> tuple[Ticket, Site]:
        """:meth:`load_ticket`, and the ticket's site, in the same statement."""
        found = session.execute(_TICKET_AND_SITE_LOCKED if lock else _TICKET_AND_SITE,
                                {"ticket_id": ticket_id}).first()
        if found is None:
            raise NotFound(f"Ticket {ticket_id} does not exist.", "ticket_not_found")
        return found._tuple()

    @staticmethod
    def _counter_of(session: Session, actor: Actor, lock: bool = False) -> Counter | None:
        if actor.user_id is None:
            return None
        stmt = _COUNTER_OF_STAFF.with_for_update() if lock else _COUNTER_OF_STAFF
        return session.scalars(stmt, {"user_id": actor.user_id}).first()

    # -- issuing ---------------------------------------------------------------------------
    def issue(self, actor: Actor, service_id: int, priority: bool = False,
              priority_category: str | None = None,
              check_in: CheckInStep | None = None,
              phone: str | None = None, lang: str | None = None) -> dict[str, Any]:
        """Issue a new ticket for ``service_id``; 409 when the service is closed or full.

        ``check_in`` (a booking's check-in, mpp.services.bookings) runs first in the same
        transaction: an on-time booking is queued at its slot's start and may check in while
        the service is not open yet, on a break or past the cut-off that day. ``lang``: the
        kiosk's language, the printed ticket's (None: the site's default language)."""
        if lang is not None and lang not in languages():
            raise ValidationFailed(f"lang must be one of {', '.join(languages())}.",
                                   "invalid_lang")
        if priority_category is not None and priority_category not in PRIORITY_CATEGORIES:
            raise ValidationFailed(
                f"priority_category must be one of {', '.join(PRIORITY_CATEGORIES)}.",
                "invalid_priority_category")
        priority = bool(priority or priority_category)
        if phone is not None:
            phone_key(phone)  # 422 invalid_phone when it is not a phone number
            phone = phone.strip()
        now = self.clock.now()
        with self.db.write() as s:
            # the service, its agency, the site and the open counters in one statement
            found = s.execute(_SERVICE_AND_SITE, {"service_id": service_id}).first()
            if found is None:
                raise NotFound(f"Service {service_id} does not exist.", "service_not_found")
            service, site, open_counters = found
            if actor.role == "staff" and actor.agency_id not in (None, service.agency_id):
                raise Forbidden("Staff may issue tickets only for their own agency.",
                                "other_agency")
            if priority and not service.priority_enabled:
                raise Conflict("This service has no priority lane.", "priority_not_available")
            plan = None if check_in is None else check_in(s, service, site, now)
            p = self.presenter(s, now, site)
            # the quota is checked below, against the number taken
            avail = p.availability(service, quota=False)
            if not avail.open and not (plan is not None and plan.booked
                                       and avail.reason not in CLOSED_FOR_THE_DAY):
                raise Conflict(avail.message or "Service closed.", "service_closed")
            # what the ticket's estimate needs and the new number does not change, read before
            # the number's lock is taken: that lock is held until the commit
            p.estimate_facts(service, open_counters)
            for prepare in self.issue_preparers:  # the kiosk's printer, read and locked
                prepare(s, actor)
            day = numbering.business_date(now, p.site.timezone)
            seq = s.execute(TAKE_NUMBER, {"service_id": service.id, "business_date": day,
                                          "rule_state": NO_PRIORITY_YET}).scalar_one()
            if service.daily_quota is not None and (
                    seq > service.daily_quota
                    # the places booked for today that are not checked in yet are kept
                    or seq + booked_waiting(s, service.id, day) > service.daily_quota):
                # Rolling back undoes the increment, so the count stays at the quota.
                raise Conflict(f"The daily quota of {service.daily_quota} tickets for "
                               f"{service.name} has been reached.", "quota_reached")
            # Read the time only now that the numbering row is locked (until the commit):
            # within a service the issue-time order, which the queue follows, is then the
            # number order citizens see, however many kiosks issue at once.
            now = max(now, self.clock.now())
            values: dict[str, Any] = dict(
                site_id=p.site.id, service_id=service.id, origin_service_id=service.id,
                business_date=day, sequence=seq,
                number=numbering.format_number(service.prefix, seq), priority=priority,
                priority_category=priority_category, status=TicketStatus.WAITING,
                token=secrets.token_urlsafe(16), issued_at=now, arrived_at=now,
                issued_by_device_id=actor.device_id, issued_by_user_id=actor.user_id,
                phone=phone if plan is None else plan.phone, booked=False, remote=False,
                call_count=0, transfer_count=0, lang=lang)
            if plan is not None and plan.booked:
                values.update(issued_at=plan.queue_at, booked=True)
            row = s.execute(_INSERT_TICKET, values).one()
            if plan is None:
                # the ticket as an object only to present it; nothing is written through it
                ticket = Ticket(id=row.id, **values)
                ticket.service = service
            else:
                # a check-in's plan ties its booking or remote join to the ticket (attach)
                ticket = s.get(Ticket, row.id)
                assert ticket is not None
            self._log(s, ticket, "issued", None, actor, now,
                      priority=priority, priority_category=priority_category,
                      **({} if plan is None else plan.attach(ticket)))
            if plan is not None:
                s.flush()
            p = p.at(now)
            # only regular tickets wait and this one came last: the others keep their places
            appended = False
            if not priority and row.priority_waiting == 0:
                # no priority ticket waits: its place is the count of those issued before it
                p.place_known(ticket.id, row.ahead)
                appended = row.ahead == row.others_waiting
            data = p.ticket(ticket)
            events = [self._ticket_event(p, ticket, data)]
            for hook in self.issue_hooks:
                events.extend(hook(s, ticket, actor, p))
        # a ticket added at the end moves no page: only the hall's counts are sent for it
        self._publish(events, {service.id}, pages=not appended)
        return data

    # -- counters --------------------------------------------------------------------------
    def open_counter(self, actor: Actor, counter_id: int) -> dict[str, Any]:
        """The staff member takes the counter (closing any other counter they held)."""
        if actor.role != "staff" or actor.user_id is None:
            raise Forbidden("Only staff open counters.", "staff_only")
        now = self.clock.now()
        with self.db.write() as s:
            counter = self._get_counter(s, counter_id, lock=True)
            if actor.agency_id is not None and counter.agency_id != actor.agency_id:
                raise Forbidden("This counter belongs to another agency.", "other_agency")
            if not counter.active:
                raise Conflict("This counter is not in use.", "counter_inactive")
            if counter.staff_user_id not in (None, actor.user_id):
                raise Conflict(f"{counter.name} is already open for another staff member.",
                               "counter_taken")
            if counter.staff_user_id is None:
                previous = self._counter_of(s, actor, lock=True)
                if previous is not None:
                    self._close(s, previous, now)
                counter.staff_user_id = actor.user_id
                counter.opened_at = now
                s.add(CounterSession(counter_id=counter.id, user_id=actor.user_id,
                                     opened_at=now))
            s.flush()
            p = self.presenter(s, now)
            s.refresh(counter)
            data = p.counter(counter)
            events = [Event("counter", HALL, {"counter": data})]
        # an open counter shortens the estimated wait of its services
        self._publish(events, set(data["service_ids"]))
        return data

    def _close(self, s: Session, counter: Counter, now: datetime) -> None:
        held = s.scalars(select(Ticket.id).where(Ticket.counter_id == counter.id,
                                                 Ticket.status.in_(list(HELD)))).first()
        if held is not None:
            raise Conflict(f"{counter.name} still holds a ticket: finish, transfer or mark it "
                           "no-show first.", "counter_busy")
        for cs in s.scalars(select(CounterSession).where(CounterSession.counter_id == counter.id,
                                                         CounterSession.closed_at.is_(None))):
            cs.closed_at = now
        counter.staff_user_id = None
        counter.opened_at = None

    def close_counter(self, actor: Actor, counter_id: int) -> dict[str, Any]:
        """The staff member at the counter closes it; refused while it holds a ticket."""
        now = self.clock.now()
        with self.db.write() as s:
            counter = self._acting_counter(s, actor, counter_id)
            self._close(s, counter, now)
            s.flush()
            s.refresh(counter)
            data = self.presenter(s, now).counter(counter)
            events = [Event("counter", HALL, {"counter": data})]
        self._publish(events, set(data["service_ids"]))
        return data

    @staticmethod
    def _get_counter(s: Session, counter_id: int, lock: bool = False) -> Counter:
        counter = s.get(Counter, counter_id, with_for_update=lock)
        if counter is None:
            raise NotFound(f"Counter {counter_id} does not exist.", "counter_not_found")
        return counter

    def _acting_counter(self, s: Session, actor: Actor, counter_id: int) -> Counter:
        """The counter, locked, when the actor is the staff member holding it."""
        counter = self._get_counter(s, counter_id, lock=True)
        self._check_at_counter(actor, counter)
        return counter

    @staticmethod
    def _check_at_counter(actor: Actor, counter: Counter) -> None:
        if actor.user_id is None or counter.staff_user_id != actor.user_id:
            raise Forbidden(f"Only the staff member at {counter.name} can act there; open it "
                            "first.", "not_at_counter")

    @staticmethod
    def _lock_service_days(s: Session, insert: Any, ids: list[int], day: date
                           ) -> dict[int, ServiceDay]:
        """The ``service_day`` rows of ``ids`` for ``day``, locked in id order (no deadlocks),
        made first when missing (the first call of a day)."""
        params = {"service_ids": ids, "day": day}
        days = {d.service_id: d for d in s.scalars(_LOCK_DAYS, params)}
        if len(days) < len(ids):
            s.execute(insert.values(
                [{"service_id": i, "business_date": day, "last_sequence": 0,
                  "regular_since_priority": NO_PRIORITY_YET} for i in ids
                 if i not in days]).on_conflict_do_nothing())
            days = {d.service_id: d for d in s.scalars(_LOCK_DAYS, params)}
        return days

    #: the statement of :meth:`_heads` for each set of services asked for
    _heads_of: dict[tuple[int, ...], Any] = {}

    @classmethod
    def _heads(cls, s: Session, ids: list[int], day: date) -> dict[tuple[int, bool], Candidate]:
        """The oldest waiting regular and priority ticket of each service, in one statement."""
        stmt = cls._heads_of.get(tuple(ids))
        if stmt is None:
            parts = [select(Ticket.id, Ticket.service_id, Ticket.issued_at, Ticket.priority)
                     .where(Ticket.service_id == sid, Ticket.status == TicketStatus.WAITING,
                            Ticket.business_date == bindparam("day"),
                            Ticket.priority.is_(prio),
                            # a remote ticket is passed over until checked in (queue_order)
                            Ticket.check_in_by.is_(None))
                     .order_by(Ticket.issued_at, Ticket.id).limit(1).subquery()
                     for sid in ids for prio in (False, True)]
            stmt = cls._heads_of[tuple(ids)] = union_all(*(select(part) for part in parts))
        rows = s.execute(stmt, {"day": day}).all()
        return {(r.service_id, bool(r.priority)): Candidate(r.id, r.service_id, r.issued_at,
                                                            bool(r.priority)) for r in rows}

    # -- calling ---------------------------------------------------------------------------
    def call_next(self, actor: Actor, counter_id: int) -> dict[str, Any] | None:
        """Call the next waiting ticket to the counter; None when nothing waits."""
        now = self.clock.now()
        with self.db.write() as s:
            # the counter, locked, with its agency and the site in one statement
            found = s.execute(_COUNTER_AND_SITE, {"counter_id": counter_id}).first()
            if found is None:
                raise NotFound(f"Counter {counter_id} does not exist.", "counter_not_found")
            counter, site = found
            self._check_at_counter(actor, counter)
            # The counter's services and the ticket it holds, read after its lock is held, in
            # a statement of their own: on PostgreSQL it then sees a call this counter made at
            # the same moment.
            params = {"counter_id": counter.id}
            rows = s.execute(_SERVICES_AND_HELD, params).all()
            busy = rows[0][1] if rows else s.scalar(_HELD_BY, params)
            if busy is not None:
                raise Conflict(f"{counter.name} still holds ticket {busy}: finish, transfer or "
                               "mark it no-show before calling the next.", "counter_busy")
            day = numbering.business_date(now, site.timezone)
            services = {sv.id: sv for sv, _ in rows}
            if not services:
                return None
            ids = sorted(services)
            days = self._lock_service_days(s, self._dialect_insert(s), ids, day)
            heads = self._heads(s, ids, day)
            queues = [ServiceQueue(sid, heads.get((sid, False)), heads.get((sid, True)),
                                   services[sid].regular_per_priority,
                                   days[sid].regular_since_priority) for sid in ids]
            # The counter's own rule state matters only when a service's head is a priority
            # ticket (see choose_next); only then is it read.
            state = NO_PRIORITY_YET
            if any((head := service_head(q)) is not None and head.priority for q in queues):
                state = self._counter_rule_state(
                    s, counter, day, now, max(sv.regular_per_priority for sv in services.values()))
            chosen = choose_next(queues, state)
            if chosen is None:
                return None
            # the called ticket comes back from the UPDATE; its service, agency and counter are
            # the ones already read above
            ticket = s.scalars(_CALL, {"ticket_id": chosen.ticket_id, "to_counter_id": counter.id,
                                       "by_user_id": actor.user_id, "now": now}).first()
            if ticket is None:  # pragma: no cover - the service_day lock prevents this
                raise Conflict("That ticket was just taken by another counter; call again.",
                               "already_called")
            sday = days[chosen.service_id]
            since = next_regular_since_priority(sday.regular_since_priority, chosen)
            if since != sday.regular_since_priority:
                s.execute(_SET_RULE_STATE, {"day_service_id": sday.service_id,
                                            "day": sday.business_date, "state": since})
                set_committed_value(sday, "regular_since_priority", since)
            self._log(s, ticket, "called", TicketStatus.WAITING, actor, now)
            p = self.presenter(s, now, site)
            call = p.call(ticket, recall=False)
            events = [Event(CALLED, HALL, call), self._ticket_event(p, ticket, call["ticket"])]
        self._publish(events, {ticket.service_id})
        return call["ticket"]

    @staticmethod
    def _counter_rule_state(s: Session, counter: Counter, day: date, now: datetime,
                            window: int) -> int:
        """The counter's regular calls since its own last priority call today, read from
        its latest ``called`` events (as many as the largest ratio it must be compared with)."""
        recent = s.scalars(
            select(Ticket.priority).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(TicketEvent.counter_id == counter.id, TicketEvent.kind == "called",
                   TicketEvent.at >= now - timedelta(days=1), Ticket.business_date == day)
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
            .limit(max(window, 1))).all()
        return counter_rule_state(recent)

    # -- acting on a held ticket -------------------------------------------------------------
    def _held_ticket(self, s: Session, actor: Actor, ticket_id: int) -> tuple[Ticket, Site]:
        """The ticket (locked) and its site, when the actor's counter holds it."""
        ticket, site = self.load_ticket_and_site(s, ticket_id)
        held_by = ticket.counter  # read with the ticket
        if (held_by is not None and actor.user_id is not None
                and held_by.staff_user_id == actor.user_id):
            return ticket, site  # the actor is at the counter holding it
        counter = self._counter_of(s, actor)
        if counter is None:
            raise Forbidden("Open a counter first: only the staff member at the counter "
                            "holding a ticket can act on it.", "not_at_counter")
        if ticket.counter_id != counter.id:
            raise Forbidden(f"Ticket {ticket.number} is not held by {counter.name}.",
                            "not_your_ticket")
        return ticket, site

    def act(self, actor: Actor, ticket_id: int, action: Action,
            service_id: int | None = None) -> dict[str, Any]:
        """Recall, start, finish, no-show or transfer a ticket held by the actor's counter.

        A transfer into a service closed for the rest of the day is refused
        (``service_closed``): the citizen would wait in a queue nobody calls today."""
        now = self.clock.now()
        with self.db.write() as s:
            ticket, site = self._held_ticket(s, actor, ticket_id)
            before = TicketStatus(ticket.status)
            after = next_status(before, action)
            touched = {ticket.service_id}
            detail: dict[str, Any] = {}
            kind = {Action.RECALL: "recalled", Action.START: "started",
                    Action.FINISH: "finished", Action.NO_SHOW: "no_show",
                    Action.TRANSFER: "transferred"}[action]
            if action == Action.TRANSFER:
                target = s.get(Service, service_id) if service_id is not None else None
                if target is None:
                    raise NotFound(f"Service {service_id} does not exist.", "service_not_found")
                if target.id == ticket.service_id:
                    raise Conflict("The ticket is already in that service.", "same_service")
                if not target.active:
                    raise Conflict(f"{target.name} is not in use.", "service_inactive")
                self._check_transfer_target(self.presenter(s, now, site), target)
                detail = {"from_service_id": ticket.service_id, "to_service_id": target.id,
                          "counter_id": ticket.counter_id}
                ticket.service_id = target.id
                ticket.service = target
                ticket.counter_id = None
                ticket.counter = None
                ticket.started_at = None
                # calls count per service: the first call in the new one is not a recall
                ticket.call_count = 0
                ticket.transfer_count += 1
                touched.add(target.id)
            changes: dict[str, Any] = {"status": after, "staff_user_id": actor.user_id}
            if action == Action.RECALL:
                changes.update(last_called_at=now, call_count=ticket.call_count + 1)
            elif action == Action.START:
                changes["started_at"] = now
            elif action in (Action.FINISH, Action.NO_SHOW):
                changes["finished_at"] = now
            if action == Action.TRANSFER:
                for key, value in changes.items():  # with the service and counter above
                    setattr(ticket, key, value)
                s.flush()
            else:
                # a plain UPDATE of what changed (no unit-of-work flush), then the object
                # takes the values as written
                s.execute(_UPDATE_TICKET, {"ticket_id": ticket.id, **changes})
                for key, value in changes.items():
                    set_committed_value(ticket, key, value)
            self._log(s, ticket, kind, before, actor, now, **detail)
            p = self.presenter(s, now, site)
            data = p.ticket(ticket)
            events = []
            if action == Action.RECALL:
                events.append(Event(CALLED, HALL, p.call(ticket, recall=True)))
            events.append(self._ticket_event(p, ticket, data))
            counter_id = detail.get("counter_id", ticket.counter_id)
            # Every hall page learns that the counter's ticket changed, without the ticket's
            # token; the counter's rating tablet (in the counter's room) gets the finished
            # ticket whole, to offer its holder the survey.
            events.append(Event("counter_ticket", HALL, {
                "counter_id": counter_id, "ticket": {**data, "token": None, "status_url": None}}))
            if action == Action.FINISH:
                events.append(Event("survey_offer", HALL,
                                    {"counter_id": counter_id, "ticket": data},
                                    counter_room(counter_id)))
        self._publish(events, touched)
        return data

    @staticmethod
    def _check_transfer_target(p: Presenter, target: Service) -> None:
        """Refuse a transfer into a queue that nobody will call today (a service not staffed
        now may still open a counter: the console warns and asks before sending there)."""
        avail = p.availability(target, quota=False)
        if not avail.open and avail.reason in CLOSED_FOR_THE_DAY:
            raise Conflict(f"{target.name} is closed for the rest of today: "
                           f"{avail.message}", "service_closed")

    def cancel(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """Cancel a waiting ticket (staff of its agency, or an admin)."""
        now = self.clock.now()
        with self.db.write() as s:
            ticket, site = self.load_ticket_and_site(s, ticket_id)
            if actor.role == "staff" and actor.agency_id not in (None,
                                                                 ticket.service.agency_id):
                raise Forbidden("Staff may cancel only tickets of their own agency.",
                                "other_agency")
            before = TicketStatus(ticket.status)
            ticket.status = next_status(before, Action.CANCEL)
            self._log(s, ticket, "cancelled", before, actor, now)
            s.flush()
            p = self.presenter(s, now, site)
            data = p.ticket(ticket)
            events = [self._ticket_event(p, ticket, data)]
        self._publish(events, {ticket.service_id})
        return data

    def close_day(self, actor: Actor, day: date | None = None) -> int:
        """Expire every ticket still waiting on ``day`` (default today) or before, and mark
        that day's bookings never checked in ``no_show``; the count of tickets expired."""
        now = self.clock.now()
        with self.db.write() as s:
            site = site_of(s)
            if day is None:
                day = now.astimezone(ZoneInfo(site.timezone)).date()
            tickets = s.scalars(select(Ticket).where(
                Ticket.status == TicketStatus.WAITING, Ticket.business_date <= day)
                .order_by(Ticket.id).with_for_update()).all()
            for t in tickets:
                t.status = next_status(TicketStatus.WAITING, Action.EXPIRE)
                self._log(s, t, "expired", TicketStatus.WAITING, actor, now,
                          business_date=day.isoformat())
            mark_no_shows(s, day, now)
            s.flush()
            events = [Event(TICKET_CHANGED, TICKET, {"ticket": {"id": t.id, "status": t.status,
                                                               "number": t.number}},
                             ticket_room(t.token)) for t in tickets]
        self._publish(events, {t.service_id for t in tickets})
        return len(tickets)

    # -- reading -----------------------------------------------------------------------------
    def ticket_by_token(self, token: str) -> dict[str, Any]:
        with self.db.read() as s:
            ticket = s.scalars(select(Ticket).where(Ticket.token == token)
                               .options(selectinload(Ticket.service)
                                        .selectinload(Service.agency),
                                        selectinload(Ticket.counter))).first()
            if ticket is None:
                raise NotFound("No ticket has this token.", "ticket_not_found")
            return self.presenter(s).ticket(ticket)

    def service_of_token(self, token: str) -> int:
        """The service a ticket is in now, by its token (one cheap read); 404 when unknown."""
        with self.db.read() as s:
            service_id = s.scalar(select(Ticket.service_id).where(Ticket.token == token))
        if service_id is None:
            raise NotFound("No ticket has this token.", "ticket_not_found")
        return service_id

    def get_ticket(self, ticket_id: int, actor: Actor | None = None) -> dict[str, Any]:
        """A ticket by id; staff and managers of one agency see only their agency's."""
        with self.db.read() as s:
            ticket = self.load_ticket(s, ticket_id, lock=False)
            if (actor is not None and actor.role in ("staff", "manager")
                    and actor.agency_id not in (None, ticket.service.agency_id)):
                origin = s.get(Service, ticket.origin_service_id)
                if origin is None or origin.agency_id != actor.agency_id:
                    raise Forbidden("This ticket belongs to another agency.", "other_agency")
            return self.presenter(s).ticket(ticket)

    def recent_calls(self, s: Session, p: Presenter, limit: int = RECENT_CALLS
                     ) -> list[dict[str, Any]]:
        """The latest calls and recalls of today, newest first."""
        start = datetime.combine(p.today, datetime.min.time(), tzinfo=p.tz)
        rows = s.execute(
            select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at,
                   TicketEvent.counter_id)
            .where(TicketEvent.kind.in_(["called", "recalled"]), TicketEvent.at >= start)
            .order_by(TicketEvent.id.desc()).limit(limit)).all()
        tickets = {t.id: t for t in s.scalars(
            select(Ticket).where(Ticket.id.in_({r.ticket_id for r in rows}))
            .options(selectinload(Ticket.service).selectinload(Service.agency),
                     selectinload(Ticket.counter)))}
        counters = {c.id: c for c in s.scalars(
            select(Counter).where(Counter.id.in_({r.counter_id for r in rows})))}
        calls = []
        for r in rows:
            c = counters.get(r.counter_id)
            calls.append({
                "ticket": p.ticket(tickets[r.ticket_id]),
                "counter": None if c is None else {
                    "id": c.id, "name": c.name, "spoken_name": c.spoken_name or c.name},
                "recall": r.kind == "recalled", "at": p.iso(r.at)})
        return calls

    def snapshot(self, with_ticket_tokens: bool = True) -> dict[str, Any]:
        """The hall snapshot of the contract (``GET /queue`` and the ``snapshot`` event).

        Without ``with_ticket_tokens`` (an anonymous reader), each ticket's ``token`` and
        ``status_url`` are null: a ticket's token is its holder's key to the status page,
        the survey and complaints about it, and must not be collected from the hall.
        """
        with self.db.read() as s:
            p = self.presenter(s)
            snapshot = p.snapshot(self.recent_calls(s, p))
        if not with_ticket_tokens:
            tickets = [c["ticket"] for c in snapshot["counters"]]
            tickets += [call["ticket"] for call in snapshot["recent_calls"]]
            for ticket in tickets:
                if ticket is not None:
                    ticket.update(token=None, status_url=None)
        return snapshot

    def services(self, agency_code: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as s:
            return self.presented_services(self.presenter(s), agency_code)

    @staticmethod
    def presented_services(p: Presenter, agency_code: str | None = None
                           ) -> list[dict[str, Any]]:
        """:meth:`services` read in ``p``'s transaction, sharing what ``p`` already read
        (the waiting counts, open counters and holidays)."""
        stmt = (select(Service).join(Agency).where(Agency.site_id == p.site.id)
                .options(selectinload(Service.agency))
                .order_by(Agency.sort_order, Agency.id, Service.id))
        if agency_code:
            stmt = stmt.where(Agency.code == agency_code)
        return [p.service(sv) for sv in p.session.scalars(stmt)]

    def counters(self) -> list[dict[str, Any]]:
        with self.db.read() as s:
            p = self.presenter(s)
            stmt = (select(Counter).join(Agency).where(Agency.site_id == p.site.id)
                    .options(selectinload(Counter.agency), selectinload(Counter.services),
                             selectinload(Counter.staff))
                    .order_by(Agency.sort_order, Agency.id, Counter.id))
            return [p.counter(c) for c in s.scalars(stmt)]

    def _in_call_order(self, s: Session, p: Presenter, counter: Counter,
                       waiting: list[Ticket]) -> list[Ticket]:
        """``waiting`` in the exact order this counter's call-next would take them (the
        domain's rule with each service's and the counter's own rule state)."""
        services = {sv.id: sv for sv in counter.services}
        by_service: dict[int, list[Candidate]] = {sid: [] for sid in services}
        for t in waiting:
            by_service[t.service_id].append(
                Candidate(t.id, t.service_id, t.issued_at, bool(t.priority)))
        lanes = []
        for sid, candidates in by_service.items():
            day = p.service_day(sid)
            lanes.append(ServiceWaiting(sid, tuple(candidates),
                                        services[sid].regular_per_priority,
                                        NO_PRIORITY_YET if day is None
                                        else day.regular_since_priority))
        state = NO_PRIORITY_YET
        if any(t.priority for t in waiting):
            state = self._counter_rule_state(
                s, counter, p.today, p.now,
                max(sv.regular_per_priority for sv in services.values()))
        rank = {c.ticket_id: i for i, c in enumerate(counter_call_order(lanes, state))}
        return sorted(waiting, key=lambda t: rank[t.id])

    def counter_view(self, actor: Actor, counter_id: int) -> dict[str, Any]:
        """What a counter console shows: the counter, its held ticket, who waits for it."""
        with self.db.read() as s:
            p = self.presenter(s)
            counter = self._get_counter(s, counter_id)
            if (actor.role in ("staff", "manager")
                    and actor.agency_id not in (None, counter.agency_id)):
                raise Forbidden("This counter belongs to another agency.", "other_agency")
            held = s.scalars(select(Ticket).where(Ticket.counter_id == counter.id,
                                                  Ticket.status.in_(list(HELD)))).first()
            ids = [sv.id for sv in counter.services]
            waiting = s.scalars(
                select(Ticket).where(Ticket.service_id.in_(ids),
                                     Ticket.status == TicketStatus.WAITING,
                                     Ticket.business_date == p.today)
                .options(selectinload(Ticket.service).selectinload(Service.agency))
                .order_by(Ticket.issued_at, Ticket.id).limit(200)).all()
            waiting = self._in_call_order(s, p, counter, waiting)
            # what the staff member at the counter has finished today, at any counter
            staff_id = counter.staff_user_id
            served_today = 0 if staff_id is None else s.scalar(
                select(func.count(Ticket.id)).where(
                    Ticket.staff_user_id == staff_id, Ticket.status == TicketStatus.DONE,
                    Ticket.business_date == p.today)) or 0
            return {"counter": p.counter(counter), "served_today": served_today,
                    "ticket": None if held is None else p.ticket(held),
                    "waiting": [{**p.waiting_row(t), "position": i}
                                for i, t in enumerate(waiting)],
                    "services": [p.service(sv) for sv in counter.services]}
