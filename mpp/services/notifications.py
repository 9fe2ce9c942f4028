"""The webhook outbox: notifications written with what they tell, delivered by every server
process in the background, each exactly once per event (mpp.domain.notifications).

- **Writing.** ``booking.created`` is written in the booking's own transaction. The others
  are found by :meth:`Outbox.scan` from what the database says (bookings whose reminder is
  due, calls in the ticket event log, waiting tickets near the counter); the row's unique
  ``event_key`` makes a second writer (another process, the next scan) a no-op, so an event
  gets one notification however many processes scan.
- **Delivering.** :meth:`Outbox.deliver_due` claims due rows in a short transaction (``FOR
  UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's write lock), marks them held for
  :data:`LEASE`, commits, posts each outside any transaction, then records the try. Other
  processes skip a held row; a process that dies mid-try leaves it to be tried again when
  the lease ends, with the same ``id`` (the gateway may see that id twice only then).
- Nothing is written without a ``[notifications]`` table in the site file.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import String, cast, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from ..clock import Clock
from ..db import Database
from ..domain import notifications as rules
from ..domain.booking import BookingStatus, mask_phone
from ..domain.notifications import NotificationSettings
from ..domain.states import TicketStatus
from ..i18n import section, site_language
from ..models import Booking, Notification, NotificationTry, Service, Site, Ticket, TicketEvent
from .presenter import Presenter, site_of

log = logging.getLogger("mpp.notifications")

#: how long a claimed notification is held by the process delivering it
LEASE = timedelta(seconds=rules.TIMEOUT_SECONDS * 3)
#: how far back the scan looks for calls to tell
CALLS_WITHIN = timedelta(minutes=10)

#: posts a body: (url, body, headers, timeout) -> (status or None, answer or error text)
Poster = Callable[[str, bytes, dict[str, str], float], tuple[int | None, str]]


def settings_of(site: Site) -> NotificationSettings | None:
    """The site's ``[notifications]`` (None: nothing is sent)."""
    return rules.parse_settings((site.settings or {}).get("notifications"))


def enqueue(s: Session, settings: NotificationSettings | None, event: str, key: str,
            phone: str, subject_name: str, subject: dict[str, Any], now: datetime,
            p: Presenter, *, ahead: int | None = None) -> bool:
    """Write one notification for ``event`` (``key`` names the event; a second write of the
    same key does nothing); False when nothing was written."""
    if settings is None or not phone:
        return False
    nid = uuid.uuid4().hex
    body = json.dumps({"id": nid, "event": event, "phone": phone,
                       "message": rules.message(event, subject, ahead, texts=section(
                           "notifications", site_language(p.site.settings))),
                       subject_name: subject, "at": p.iso(now)}, ensure_ascii=False)
    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
    result = s.execute(dialect.insert(Notification).values(
        id=nid, event_key=f"{event}:{key}", event=event, phone=phone, body=body,
        status="pending", tries=0, created_at=now, next_try_at=now)
        .on_conflict_do_nothing(index_elements=["event_key"]))
    return bool(result.rowcount)


def post_json(url: str, body: bytes, headers: dict[str, str],
              timeout: float) -> tuple[int | None, str]:
    """POST ``body``; the status and the answer's start, or None and what went wrong."""
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=timeout,
                               allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return answer.status_code, answer.text[:500]


@dataclass(frozen=True)
class _Due:
    """A notification the scan found to write."""

    event: str
    key: str
    phone: str
    subject_name: str
    subject: dict[str, Any]
    ahead: int | None = None

    def args(self) -> tuple[str, str, str, str, dict[str, Any]]:
        return self.event, self.key, self.phone, self.subject_name, self.subject


def _written(event: str, id_column: Any) -> Any:
    """Whether the notification of ``event`` for the row ``id_column`` names exists."""
    return exists().where(
        Notification.event_key == literal(f"{event}:") + cast(id_column, String))


@dataclass(frozen=True)
class _Claimed:
    id: str
    body: str
    first_try: datetime
    tries: int


class Outbox:
    """Writes due notifications (``scan``) and delivers them (``deliver_due``)."""

    def __init__(self, db: Database, clock: Clock, base_url: str, post: Poster = post_json):
        self.db = db
        self.clock = clock
        self.base_url = base_url
        self.post = post

    # -- writing what is due -------------------------------------------------------------------
    def scan(self) -> int:
        """Write the notifications due now: booking reminders, calls, tickets near the
        counter (each once); how many were written. Reads first; writes only what is new."""
        now = self.clock.now()
        with self.db.read() as s:
            site = site_of(s)
            settings = settings_of(site)
            if settings is None:
                return 0
            p = Presenter(s, now, self.base_url, site)
            due = (self._reminders(s, p, now) + self._calls(s, p, now)
                   + self._near(s, p, settings))
        if not due:
            return 0
        with self.db.write() as s:
            p = Presenter(s, now, self.base_url)
            return sum(enqueue(s, settings, *d.args(), now, p, ahead=d.ahead) for d in due)

    def _reminders(self, s: Session, p: Presenter, now: datetime) -> list[_Due]:
        from .bookings import present_booking

        due = s.scalars(select(Booking).where(
            Booking.status == BookingStatus.BOOKED, Booking.slot_start > now,
            Booking.slot_start <= now + rules.REMINDER_BEFORE,
            ~_written("booking.reminder", Booking.id))
            .options(selectinload(Booking.service).selectinload(Service.agency))).all()
        # one booked within the reminder's time was told all by its booking.created
        return [_Due("booking.reminder", str(b.id), b.phone, "booking",
                     present_booking(p, b, self.base_url)) for b in due
                if b.created_at < b.slot_start - rules.REMINDER_BEFORE]

    def _calls(self, s: Session, p: Presenter, now: datetime) -> list[_Due]:
        rows = s.execute(
            select(TicketEvent.id, Ticket)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.kind == "called", TicketEvent.at >= now - CALLS_WITHIN,
                   Ticket.phone.is_not(None),
                   ~_written("ticket.called", TicketEvent.id))).all()
        return [_Due("ticket.called", str(event_id), ticket.phone or "", "ticket",
                     p.ticket(ticket)) for event_id, ticket in rows]

    def _near(self, s: Session, p: Presenter, settings: NotificationSettings) -> list[_Due]:
        tickets = s.scalars(
            select(Ticket)
            .where(Ticket.status == TicketStatus.WAITING, Ticket.business_date == p.today,
                   Ticket.phone.is_not(None), ~_written("ticket.near", Ticket.id))
            .options(selectinload(Ticket.service).selectinload(Service.agency))).all()
        due = []
        for ticket in tickets:
            phone = ticket.phone or ""
            ahead = p.queue_positions(ticket.service).get(ticket.id)
            if ahead is not None and ahead <= settings.ahead:
                due.append(_Due("ticket.near", str(ticket.id), phone, "ticket",
                                p.ticket(ticket), ahead))
        return due

    # -- delivering ------------------------------------------------------------------------
    def deliver_due(self, limit: int = 20) -> int:
        """Claim and post the notifications due now; how many were tried."""
        claimed, settings = self._claim(limit)
        for n in claimed:
            self._deliver(n, settings)
        return len(claimed)

    def _claim(self, limit: int) -> tuple[list[_Claimed], NotificationSettings | None]:
        now = self.clock.now()
        with self.db.write() as s:
            settings = settings_of(site_of(s))
            if settings is None:
                return [], None
            stmt = (select(Notification).where(
                Notification.status == "pending", Notification.next_try_at <= now,
                or_(Notification.locked_until.is_(None), Notification.locked_until <= now))
                .order_by(Notification.next_try_at).limit(limit))
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = s.scalars(stmt).all()
            for n in rows:
                n.locked_until = now + LEASE
            return [_Claimed(n.id, n.body, n.created_at, n.tries) for n in rows], settings

    def _deliver(self, n: _Claimed, settings: NotificationSettings | None) -> None:
        assert settings is not None
        raw = n.body.encode()
        headers = {"Content-Type": "application/json",
                   rules.SIGNATURE_HEADER: rules.sign(raw, settings.secret),
                   "User-Agent": "mpp-notifications/1"}
        started = time.monotonic()
        status, answer = self.post(settings.webhook_url, raw, headers, rules.TIMEOUT_SECONDS)
        took = int((time.monotonic() - started) * 1000)
        now = self.clock.now()
        ok = rules.delivered(status)
        with self.db.write() as s:
            s.add(NotificationTry(notification_id=n.id, at=now, duration_ms=took,
                                  status_code=status, answer=answer if status else "",
                                  error="" if ok else (answer if status is None
                                                       else f"HTTP {status}")))
            row = s.get(Notification, n.id, with_for_update=True)
            assert row is not None
            row.tries += 1
            row.locked_until = None
            if ok:
                row.status, row.sent_at, row.next_try_at = "sent", now, None
            else:
                row.next_try_at = rules.next_try(row.tries, n.first_try, now)
                if row.next_try_at is None:
                    row.status = "failed"
                log.warning("notification %s (%s) not delivered: %s", n.id, row.event,
                            answer if status is None else f"HTTP {status}")

    # -- the admin's log ---------------------------------------------------------------------
    def log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest notifications with their tries (phone numbers masked)."""
        with self.db.read() as s:
            p = Presenter(s, self.clock.now(), self.base_url)
            rows = s.scalars(select(Notification).order_by(Notification.created_at.desc(),
                                                            Notification.id)
                             .limit(limit)).all()
            tries: dict[str, list[NotificationTry]] = {}
            for t in s.scalars(select(NotificationTry).where(
                    NotificationTry.notification_id.in_([n.id for n in rows]))
                    .order_by(NotificationTry.id)):
                tries.setdefault(t.notification_id, []).append(t)
            return [{
                "id": n.id, "event": n.event, "phone_masked": mask_phone(n.phone),
                "status": n.status, "tries": n.tries, "created_at": p.iso(n.created_at),
                "sent_at": p.iso(n.sent_at), "next_try_at": p.iso(n.next_try_at),
                "message": json.loads(n.body).get("message", ""),
                "log": [{"at": p.iso(t.at), "status_code": t.status_code,
                         "duration_ms": t.duration_ms, "answer": t.answer, "error": t.error}
                        for t in tries.get(n.id, [])],
            } for n in rows]
