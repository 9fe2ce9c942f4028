"""The remote-join use cases: take a ticket from a phone, check it in, expire it.

Joining issues an ordinary ticket through QueueService.issue (its number, its place and the
quota exact under concurrency as for any walk-in: the same ``service_day`` lock), with a step
run in the same transaction that refuses a service without remote join or a phone number
past its daily limit (a transaction-scoped advisory lock on the number on PostgreSQL, as for
bookings; SQLite holds its write lock from ``BEGIN IMMEDIATE``), and marks the ticket
awaiting check-in (``Ticket.check_in_by``), which call-next passes over. Checking in clears
that mark, so the ticket is called in its place; a ticket not checked in by its deadline is
cancelled by :meth:`RemoteJoinService.expire_overdue`, which every server process runs every
few seconds (mpp.remote_expiry) and a late check-in runs too.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..clock import Clock
from ..db import Database
from ..domain import booking as booking_rules
from ..domain import remote_join as rules_of
from ..domain.actor import Actor
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.numbering import business_date
from ..domain.remote_join import EXPIRED_REASON, RemoteStatus
from ..domain.states import TicketStatus
from ..events import Event
from ..i18n import languages
from ..models import RemoteJoin, Service, Site, Ticket
from .bookings import CheckInPlan, insert_with_code
from .presenter import site_of
from .queue import QueueService

log = logging.getLogger("mpp.remote_join")

#: who joins from a phone (nobody signed in)
CITIZEN = Actor(role="citizen", name="remote-join")
#: who the ticket event log names for an expiry
EXPIRER = Actor(role="system", name="remote-join")
#: the first key of the per-phone advisory locks (bookings use 4_826_010)
PHONE_LOCK_SPACE = 4_826_011


def rules_of_site(site: Site) -> rules_of.RemoteRules:
    """The site's ``[remote_join]`` settings (defaults when not set)."""
    return rules_of.parse_rules((site.settings or {}).get("remote_join"))


class RemoteJoinService:
    """Remote join over the queue's database, clock and publisher."""

    def __init__(self, db: Database, clock: Clock, queue: QueueService):
        self.db = db
        self.clock = clock
        self.queue = queue

    # -- joining -----------------------------------------------------------------------------
    def join(self, service_id: int, phone: str, name: str = "") -> dict[str, Any]:
        """Take a ticket for today from a phone: ``{"ticket", "remote"}``. 409
        ``remote_join_not_offered``, ``remote_join_limit``, ``service_closed``,
        ``quota_reached``; 422 ``invalid_phone``."""
        key = booking_rules.phone_key(phone)
        phone = phone.strip()
        name = " ".join(name.split())
        found: dict[str, Any] = {}

        def step(s: Session, service: Service, site: Site, now: datetime) -> CheckInPlan:
            rules_of.check_allowed(bool(service.remote_join) and service.active
                                   and service.agency.active, service.name)
            rules = rules_of_site(site)
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                          {"space": PHONE_LOCK_SPACE, "key": _signed32(zlib.crc32(key.encode()))})
            day = business_date(now, site.timezone)
            taken = s.scalar(select(func.count(RemoteJoin.id)).where(
                RemoteJoin.phone_key == key, RemoteJoin.business_date == day)) or 0
            rules_of.check_phone_limit(taken, rules)

            def attach(ticket: Ticket) -> dict[str, Any]:
                deadline = rules_of.check_in_deadline(ticket.issued_at, rules)
                ticket.check_in_by, ticket.remote = deadline, True
                row = RemoteJoin(ticket_id=ticket.id, service_id=service.id,
                                 business_date=ticket.business_date, name=name, phone=phone,
                                 phone_key=key, status=RemoteStatus.AWAITING,
                                 created_at=ticket.issued_at, check_in_by=deadline)
                insert_with_code(s, row)
                found.update(code=row.code, check_in_by=deadline)
                return {"remote": row.code, "check_in_by": deadline.isoformat()}

            return CheckInPlan(False, now, attach, phone)

        ticket = self.queue.issue(CITIZEN, service_id, check_in=step)
        return {"ticket": ticket, "remote": self._remote_answer(found["code"],
                                                                 ticket["check_in_by"],
                                                                 RemoteStatus.AWAITING)}

    @staticmethod
    def _remote_answer(code: str, check_in_by: str | None, status: str) -> dict[str, Any]:
        return {"code": code, "check_in_by": check_in_by, "status": str(status)}

    # -- reading -----------------------------------------------------------------------------
    def by_code(self, code: str) -> int | None:
        """The id of the remote join with this (normalized) code, or None."""
        with self.db.read() as s:
            return s.scalar(select(RemoteJoin.id).where(RemoteJoin.code == code))

    def for_ticket_token(self, token: str) -> dict[str, Any] | None:
        """The remote join of the ticket with this token (its holder's): code, deadline and
        status; None when the ticket was not taken remotely."""
        with self.db.read() as s:
            row = s.scalars(select(RemoteJoin).join(Ticket, Ticket.id == RemoteJoin.ticket_id)
                            .where(Ticket.token == token)).first()
            if row is None:
                return None
            p = self.queue.presenter(s)
            return self._remote_answer(row.code, p.iso(row.check_in_by), row.status)

    # -- checking in -------------------------------------------------------------------------
    def check_in(self, actor: Actor, code: str, lang: str | None = None) -> dict[str, Any]:
        """Check a remote ticket in by its code (kiosk or staff): its ticket, now called in
        its place (409 ``already_checked_in``, ``check_in_expired``, ``ticket_not_waiting``;
        404 ``booking_not_found``). At a kiosk with a printer, the ticket is printed, in
        ``lang`` when given (the kiosk's language)."""
        if lang is not None and lang not in languages():
            raise ValidationFailed(f"lang must be one of {', '.join(languages())}.",
                                   "invalid_lang")
        now = self.clock.now()
        expired = False
        data: dict[str, Any] = {}
        with self.db.write() as s:
            row = s.scalars(select(RemoteJoin).where(RemoteJoin.code == code)
                            .with_for_update()).first()
            if row is None:
                raise NotFound(f"Kode {code} tidak ditemukan. / No booking or remote ticket "
                               f"has the code {code}.", "booking_not_found")
            ticket, site = self.queue.load_ticket_and_site(s, row.ticket_id)
            if actor.role == "staff" and actor.agency_id not in (None,
                                                                 ticket.service.agency_id):
                raise Forbidden("This ticket is for another agency.", "other_agency")
            if (row.status == RemoteStatus.AWAITING and ticket.status == TicketStatus.WAITING
                    and rules_of.is_overdue(row.check_in_by, now)):
                events = self._expire(s, [(row, ticket)], now)
                expired = True
            else:
                tz_deadline = row.check_in_by.astimezone(self.queue.presenter(s, now, site).tz)
                rules_of.check_can_check_in(row.status, ticket.status, tz_deadline, now)
                row.status, row.checked_in_at = RemoteStatus.CHECKED_IN, now
                ticket.check_in_by = None
                ticket.arrived_at = now  # waits are measured from the citizen's arrival
                if lang is not None:
                    ticket.lang = lang
                self.queue._log(s, ticket, "checked_in", TicketStatus.WAITING, actor, now,
                                remote=row.code)
                s.flush()
                p = self.queue.presenter(s, now, site)
                data = p.ticket(ticket)
                events = [self.queue._ticket_event(p, ticket, data)]
                for hook in self.queue.issue_hooks:  # the kiosk prints it
                    events.extend(hook(s, ticket, actor, p))
            deadline = self.queue.presenter(s, now, site).iso(row.check_in_by)
            service_id = ticket.service_id
        self.queue._publish(events, {service_id})
        if expired:
            rules_of.check_can_check_in(RemoteStatus.EXPIRED, TicketStatus.CANCELLED,
                                        datetime.fromisoformat(deadline), now)
        return data

    # -- expiring ----------------------------------------------------------------------------
    def expire_overdue(self) -> int:
        """Cancel every remote ticket still awaiting check-in past its deadline (reason
        recorded in its cancel event); how many. Reads first, writes only when one is due."""
        now = self.clock.now()
        overdue = (select(RemoteJoin, Ticket).join(Ticket, Ticket.id == RemoteJoin.ticket_id)
                   .where(RemoteJoin.status == RemoteStatus.AWAITING,
                          RemoteJoin.check_in_by < now))
        due = overdue.where(Ticket.status == TicketStatus.WAITING).order_by(Ticket.id)
        with self.db.read() as s:
            if s.execute(overdue.limit(1)).first() is None:
                return 0
        with self.db.write() as s:
            rows = [r._tuple() for r in s.execute(due.with_for_update(of=Ticket)).all()]
            events = self._expire(s, rows, now)
            touched = {t.service_id for _, t in rows}
            # tickets that ended otherwise before their deadline passed (the day closed, staff
            # cancelled them): their remote join ends with them, for the reports
            for row, ticket in s.execute(overdue.where(
                    Ticket.status != TicketStatus.WAITING)).tuples():
                row.status = (RemoteStatus.EXPIRED if ticket.status == TicketStatus.EXPIRED
                              else RemoteStatus.CANCELLED)
        self.queue._publish(events, touched)
        if rows:
            log.info("%d remote tickets not checked in in time were cancelled", len(rows))
        return len(rows)

    def _expire(self, s: Session, rows: list[tuple[RemoteJoin, Ticket]], now: datetime
                ) -> list[Event]:
        events: list[Event] = []
        if not rows:
            return events
        p = self.queue.presenter(s, now, site_of(s))
        for row, ticket in rows:
            row.status = RemoteStatus.EXPIRED
            ticket.status = TicketStatus.CANCELLED
            self.queue._log(s, ticket, "cancelled", TicketStatus.WAITING, EXPIRER, now,
                            reason=EXPIRED_REASON, remote=row.code)
        s.flush()
        for _, ticket in rows:
            events.append(self.queue._ticket_event(p, ticket))
        return events


def _signed32(number: int) -> int:
    """An unsigned 32-bit number as PostgreSQL's signed ``integer``."""
    return number - 2**32 if number >= 2**31 else number
