"""Print jobs: made with the ticket, sent after the commit, kept until the agent answers.

A kiosk whose device settings name a ``printer_device_id`` gets a print job for every ticket
it issues, created inside the issue transaction (QueueService.issue_hooks) and sent to the
printer's room on ``/print`` after the commit: a printer fault can never lose a ticket.

Exactly one agent per printer: each agent connection records its Socket.IO session id in the
printer device's ``state`` (``agent_sid``) when it connects; the newest connection wins, and
jobs are only ever sent to the recorded session (never to a room that an older agent might
still be in), so two agents running with the same token cannot both print a job. The socket
layer tells the agent it replaced to stop (mpp.print_sockets, mpp.device_sockets).

A job is *open* until it is answered ``ok`` (``ok`` true, ``answered_at`` set) or given up
(``ok`` false, ``answered_at`` set, ``error`` saying why). A failed answer (``ok`` false)
records the error and leaves the job open. Open jobs are sent again when the agent
connects and whenever it reports its printer ready. Jobs are given up instead of sent when
their ticket is no longer waiting (a reprint staff asked for: no longer waiting, called or
serving), belongs to an earlier day, or the job is older than ``max_age_minutes``: a
citizen who got the number on screen has long left the kiosk, and a pile of late tickets at
the kiosk helps nobody.
"""

from __future__ import annotations

import base64
import io
import os
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..clock import Clock
from ..db import Database
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import HALL, PRINT, PRINT_JOB, PRINTER_STATE, Event
from ..i18n import languages, number_locale, section, site_language
from ..models import Device, PrintJob, Service, Site, Ticket
from ..sql_json import json_integer
from .presenter import Presenter

#: statuses whose tickets are still worth printing: a kiosk's ticket only while it waits
#: (once called, the citizen is at the counter); a reprint staff asked for, while held too
PRINTABLE = {"issue": ("waiting",), "reprint": ("waiting", "called", "serving")}
DEFAULT_MAX_AGE_MINUTES = int(os.environ.get("MPP_PRINT_JOB_MAX_AGE_MINUTES", "5"))
#: an agent not heard of for this long counts as gone (it reports every 30 s by default),
#: even when its goodbye was lost (a server restart, a cut cable)
AGENT_SILENT_AFTER = timedelta(seconds=90)
#: key of ``Device.state`` holding the Socket.IO session id of the printer's active agent
AGENT_SID = "agent_sid"
# Read and written on every issue from a kiosk, so built once:
#: the printer a kiosk's settings name (an integer ``printer_device_id``), read afresh, in
#: one statement (the kiosk's row is not loaded); the one rule of which printer is a kiosk's
_KIOSK = aliased(Device)
_PRINTER_OF_KIOSK = (
    select(Device)
    .join(_KIOSK, Device.id == json_integer(_KIOSK.settings, "printer_device_id"))
    .where(_KIOSK.id == bindparam("device_id"))
    .execution_options(populate_existing=True))
#: the same, its row locked until the commit
_PRINTER_OF_KIOSK_LOCKED = _PRINTER_OF_KIOSK.with_for_update(of=Device)
#: a new print job; its id comes back
_INSERT_JOB = PrintJob.__table__.insert().returning(PrintJob.__table__.c.id)
#: ``Session.info`` key of the printer :meth:`PrintingService.prepare_issue` found
_PREPARED = "mpp_issue_printer"


def active_agent(device: Device) -> str | None:
    """The Socket.IO session id of the printer's one active agent, or None."""
    sid = (device.state or {}).get(AGENT_SID)
    return sid if isinstance(sid, str) and sid else None


@lru_cache(maxsize=8)
def _logo_png(path: str, mtime: float) -> str | None:
    """The site logo as base64 PNG, at most 384 dots wide (every paper fits it)."""
    from PIL import Image

    try:
        img = Image.open(path)
        img.load()
    except OSError:
        return None
    if img.width > 384:
        img = img.resize((384, max(1, img.height * 384 // img.width)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def site_logo(site: Site) -> str | None:
    """The ``logo`` setting (a file on the server, or a data: URL) as base64 PNG, or None."""
    logo = (site.settings or {}).get("logo")
    if not isinstance(logo, str) or not logo:
        return None
    if logo.startswith("data:image/png;base64,"):
        return logo.split(",", 1)[1]
    path = Path(logo)
    if not path.is_file():
        return None
    return _logo_png(str(path), path.stat().st_mtime)


class PrintingService:
    """Print jobs and printer states over one database, clock and the queue's publisher."""

    def __init__(self, db: Database, clock: Clock, queue: Any, base_url: str,
                 max_age_minutes: int = DEFAULT_MAX_AGE_MINUTES):
        self.db = db
        self.clock = clock
        self.queue = queue  # its publisher is used, so whatever it publishes to we do too
        self.base_url = base_url
        self.max_age = timedelta(minutes=max_age_minutes)

    def publish(self, events: list[Event]) -> None:
        if events:
            self.queue.publisher.publish(events)

    # -- shapes ---------------------------------------------------------------------------
    def job_payload(self, p: Presenter, job: PrintJob, ticket: Ticket) -> dict[str, Any]:
        """The ``print`` event: what the agent needs to print the ticket."""
        settings = p.site.settings or {}
        data = p.ticket(ticket)
        lang = ticket_language(ticket.lang, settings)
        return {"job_id": job.id, "reason": job.reason, "ticket": data,
                "site": {"name": p.site.name, "footer": settings.get("ticket_footer", ""),
                         "logo_png_base64": site_logo(p.site)},
                "created_at": p.iso(job.created_at),
                "lang": lang, "texts": ticket_texts(data, lang, job.reason)}

    @staticmethod
    def job_dict(p: Presenter, job: PrintJob) -> dict[str, Any]:
        if job.ok:
            state = "printed"
        elif job.answered_at is not None:
            state = "given_up"
        elif job.ok is False:
            state = "failed"  # open: it is tried again
        else:
            state = "pending"
        return {"id": job.id, "ticket_id": job.ticket_id, "printer_device_id": job.device_id,
                "reason": job.reason, "state": state, "ok": job.ok, "error": job.error,
                "attempts": job.attempts, "created_at": p.iso(job.created_at),
                "sent_at": p.iso(job.sent_at), "answered_at": p.iso(job.answered_at)}

    @staticmethod
    def _open_jobs(s: Session, device_id: int) -> Any:
        return (select(PrintJob).where(PrintJob.device_id == device_id,
                                       PrintJob.answered_at.is_(None))
                .order_by(PrintJob.id))

    def printer_dict(self, s: Session, p: Presenter, device: Device) -> dict[str, Any]:
        state = device.state or {}
        pending = s.scalar(select(func.count()).select_from(PrintJob).where(
            PrintJob.device_id == device.id, PrintJob.answered_at.is_(None))) or 0
        kiosks = [{"id": k.id, "name": k.name} for k in s.scalars(
            select(Device).where(Device.kind == "kiosk").order_by(Device.id))
            if (k.settings or {}).get("printer_device_id") == device.id]
        heard = device.last_seen_at is not None and p.now - device.last_seen_at <= \
            AGENT_SILENT_AFTER
        return {"id": device.id, "name": device.name,
                "connected": bool(state.get("connected")) and heard,
                "last_seen_at": p.iso(device.last_seen_at),
                "ready": state.get("ready"), "online": state.get("online"),
                "paper": state.get("paper", "unknown"), "error": state.get("error"),
                "printer": state.get("printer"), "updated_at": state.get("updated_at"),
                "last_printed_at": state.get("last_printed_at"),
                "pending_jobs": int(pending), "kiosks": kiosks}

    def _state_event(self, s: Session, p: Presenter, device: Device) -> Event:
        return Event(PRINTER_STATE, HALL, {"printer": self.printer_dict(s, p, device)})

    # -- creating jobs ----------------------------------------------------------------------
    @staticmethod
    def prepare_issue(s: Session, actor: Actor) -> None:
        """Before the number is taken (QueueService.issue_preparers): the kiosk's paired
        printer, read and locked, kept for :meth:`issue_hook`. On PostgreSQL this keeps
        those reads out of the time the service's numbering row is locked, which every
        kiosk of the service waits for."""
        if actor.role != "kiosk" or actor.device_id is None:
            return
        printer = PrintingService._printer_of(s, actor.device_id, lock=True)
        s.info[_PREPARED] = (actor.device_id, printer)

    def issue_hook(self, s: Session, ticket: Ticket, actor: Actor,
                   p: Presenter) -> list[Event]:
        """Inside the issue transaction: a job for the kiosk's printer, sent after commit to
        the printer's active agent (none connected: it gets the job when it connects)."""
        if actor.role != "kiosk" or actor.device_id is None:
            return []
        prepared = s.info.pop(_PREPARED, None)
        if prepared is not None and prepared[0] == actor.device_id:
            printer = prepared[1]
        else:
            printer = self._printer_of(s, actor.device_id, lock=True)
        if printer is None:
            return []
        now = self.clock.now()
        job = PrintJob(ticket_id=ticket.id, device_id=printer.id, reason="issue",
                       created_at=now, sent_at=now, attempts=1)
        # a plain INSERT (no unit-of-work flush); the object only carries the job's fields
        job.id = s.execute(_INSERT_JOB, {"ticket_id": job.ticket_id, "device_id": printer.id,
                                         "reason": job.reason, "created_at": now,
                                         "sent_at": now, "attempts": 1}).scalar_one()
        return self._job_events(p, job, ticket, printer)

    def _job_events(self, p: Presenter, job: PrintJob, ticket: Ticket,
                    printer: Device) -> list[Event]:
        """The ``print`` event for the printer's active agent only; none without one."""
        sid = active_agent(printer)
        if sid is None:
            return []
        return [Event(PRINT_JOB, PRINT, self.job_payload(p, job, ticket), sid)]

    @classmethod
    def _printer_of(cls, s: Session, kiosk_id: int | None,
                    lock: bool = False) -> Device | None:
        """The paired printer of the kiosk ``kiosk_id``, if it is a printer still in use.
        ``lock``: its row is locked until the commit, so that a job made now and an agent
        taking over now are ordered (the new agent either gets the job among its open jobs
        or is the one the job is sent to)."""
        if kiosk_id is None:
            return None
        return cls._usable(s.scalars(_PRINTER_OF_KIOSK_LOCKED if lock else _PRINTER_OF_KIOSK,
                                     {"device_id": kiosk_id}).first())

    @staticmethod
    def _usable(printer: Device | None) -> Device | None:
        """``printer`` if it is a printer still in use."""
        if printer is None or printer.kind != "printer" or printer.revoked_at is not None:
            return None
        return printer

    def reprint(self, actor: Actor, ticket_id: int,
                printer_device_id: int | None = None) -> dict[str, Any]:
        """Staff or an admin print a ticket again, on the printer of the kiosk that issued it
        unless another printer is named."""
        now = self.clock.now()
        with self.db.write() as s:
            ticket = self.queue.load_ticket(s, ticket_id, lock=False)
            if actor.role == "staff" and actor.agency_id not in (None,
                                                                 ticket.service.agency_id):
                raise Forbidden("Staff may reprint only tickets of their own agency.",
                                "other_agency")
            if printer_device_id is not None:
                printer = s.get(Device, printer_device_id, with_for_update=True,
                                populate_existing=True)
                if printer is None or printer.kind != "printer" or printer.revoked_at:
                    raise NotFound(f"No printer device has id {printer_device_id}.",
                                   "printer_not_found")
            else:
                printer = self._printer_of(s, ticket.issued_by_device_id, lock=True)
                if printer is None:
                    raise Conflict(f"Ticket {ticket.number} was not issued by a kiosk with a "
                                   "printer: name one with printer_device_id.", "no_printer")
            if ticket.status not in PRINTABLE["reprint"]:
                raise Conflict(f"Ticket {ticket.number} is {ticket.status}: only waiting, "
                               "called or serving tickets are reprinted.", "not_printable")
            job = PrintJob(ticket_id=ticket.id, device_id=printer.id, reason="reprint",
                           requested_by_user_id=actor.user_id, created_at=now, sent_at=now,
                           attempts=1)
            s.add(job)
            s.flush()
            p = Presenter(s, now, self.base_url)
            data = self.job_dict(p, job)
            events = [*self._job_events(p, job, ticket, printer),
                      self._state_event(s, p, printer)]
        self.publish(events)
        return data

    # -- the agent's side --------------------------------------------------------------------
    def open_jobs(self, device_id: int, sid: str | None = None) -> list[dict[str, Any]]:
        """Every open job of this printer, marked sent; stale ones are given up instead.
        With ``sid``: none unless that session is the printer's active agent."""
        now = self.clock.now()
        with self.db.write() as s:
            if sid is not None:
                device = s.get(Device, device_id)
                if device is None or active_agent(device) != sid:
                    return []
            jobs = s.scalars(self._open_jobs(s, device_id)).all()
            if not jobs:
                return []
            p = Presenter(s, now, self.base_url)
            tickets = {t.id: t for t in s.scalars(
                select(Ticket).where(Ticket.id.in_({j.ticket_id for j in jobs})).options(
                    selectinload(Ticket.service).selectinload(Service.agency),
                    selectinload(Ticket.counter)))}
            out = []
            for job in jobs:
                ticket = tickets[job.ticket_id]
                reason = self._stale(p, job, ticket, now)
                if reason:
                    job.ok = False
                    job.answered_at = now
                    job.error = f"given up: {reason}"
                    continue
                job.sent_at = now
                job.attempts += 1
                out.append(self.job_payload(p, job, ticket))
            return out

    def _stale(self, p: Presenter, job: PrintJob, ticket: Ticket, now: datetime) -> str | None:
        if ticket.status not in PRINTABLE.get(job.reason, PRINTABLE["reprint"]):
            return f"ticket {ticket.number} is {ticket.status}"
        if ticket.business_date != p.today:
            return f"ticket {ticket.number} is of {ticket.business_date.isoformat()}"
        if now - job.created_at > self.max_age:
            return f"older than {int(self.max_age.total_seconds() // 60)} minutes"
        return None

    def answer(self, device_id: int, job_id: int, ok: bool, error: str | None) -> dict[str, Any]:
        """The agent's ``printed``: close the job when ok, else record the error (stays open)."""
        now = self.clock.now()
        with self.db.write() as s:
            job = s.get(PrintJob, job_id, with_for_update=True)
            if job is None or job.device_id != device_id:
                raise NotFound(f"Printer has no job {job_id}.", "job_not_found")
            p = Presenter(s, now, self.base_url)
            if job.answered_at is not None:
                return {"job": self.job_dict(p, job), "duplicate": True}
            device = s.get(Device, device_id, with_for_update=True)
            assert device is not None
            state = dict(device.state or {})
            if ok:
                job.ok, job.error, job.answered_at = True, None, now
                state.update(ready=True, error=None, last_printed_at=p.iso(now))
            else:
                job.ok = False
                job.error = (error or "printer error")[:1000]
                state.update(ready=False, error=job.error)
            state["updated_at"] = p.iso(now)
            device.state = state
            device.last_seen_at = now
            s.flush()
            data = {"job": self.job_dict(p, job), "duplicate": False}
            events = [self._state_event(s, p, device)]
        self.publish(events)
        return data

    def report_state(self, device_id: int, report: dict[str, Any],
                     sid: str | None = None) -> bool:
        """The agent's ``printer_state``; True when the printer is ready (jobs go again).
        With ``sid``: refused (``replaced``) unless that session is the active agent, so a
        replaced agent cannot overwrite what the active one reports."""
        now = self.clock.now()
        with self.db.write() as s:
            device = s.get(Device, device_id, with_for_update=True)
            if device is None:
                raise NotFound("Unknown printer.", "printer_not_found")
            if sid is not None and active_agent(device) != sid:
                raise Conflict(f"Another print agent took over printer {device.name}.",
                               "replaced")
            p = Presenter(s, now, self.base_url)
            state = dict(device.state or {})
            state.update({k: report[k] for k in ("ready", "online", "paper", "error", "printer")
                          if k in report})
            state.update(connected=True, updated_at=p.iso(now))
            device.state = state
            device.last_seen_at = now
            s.flush()
            events = [self._state_event(s, p, device)]
        self.publish(events)
        return bool(state.get("ready"))

    def agent_connected(self, device_id: int, connected: bool,
                        sid: str | None = None) -> str | None:
        """Record that the printer's agent came or went.

        An agent that comes with its session ``sid`` becomes the printer's one active agent;
        the session it replaces is returned (to be told and disconnected), None if there was
        none. An agent that goes changes nothing unless it is the active one (a replaced
        agent leaving does not make the printer look disconnected).
        """
        now = self.clock.now()
        with self.db.write() as s:
            device = s.get(Device, device_id, with_for_update=True)
            if device is None:
                return None
            previous = active_agent(device)
            if not connected and sid is not None and previous != sid:
                return None
            p = Presenter(s, now, self.base_url)
            state = dict(device.state or {})
            state.update(connected=connected, updated_at=p.iso(now))
            if connected:
                state[AGENT_SID] = sid
            else:
                state.pop(AGENT_SID, None)
            if not connected:
                state["ready"] = False
                state["error"] = "print agent not connected"
            elif state.get("error") == "print agent not connected":
                state["ready"] = None  # unknown until the agent reports its printer
                state["error"] = None
            device.state = state
            device.last_seen_at = now
            s.flush()
            events = [self._state_event(s, p, device)]
        self.publish(events)
        return previous if connected and previous != sid else None

    # -- reading --------------------------------------------------------------------------
    def printers(self, actor: Actor) -> list[dict[str, Any]]:
        """Printer devices with their state; a kiosk sees only its own printer."""
        with self.db.read() as s:
            p = Presenter(s, self.clock.now(), self.base_url)
            devices = s.scalars(select(Device).where(Device.kind == "printer",
                                                     Device.revoked_at.is_(None))
                                .order_by(Device.id)).all()
            if actor.role == "kiosk":
                mine = self._printer_of(s, actor.device_id)
                devices = [d for d in devices if mine is not None and d.id == mine.id]
            return [self.printer_dict(s, p, d) for d in devices]

    def jobs_of_ticket(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.db.read() as s:
            p = Presenter(s, self.clock.now(), self.base_url)
            if s.get(Ticket, ticket_id) is None:
                raise NotFound(f"Ticket {ticket_id} does not exist.", "ticket_not_found")
            return [self.job_dict(p, j) for j in s.scalars(
                select(PrintJob).where(PrintJob.ticket_id == ticket_id).order_by(PrintJob.id))]

    def print_status_by_token(self, token: str) -> dict[str, Any]:
        """What the kiosk shows under the ticket: its latest job and that printer's state."""
        with self.db.read() as s:
            p = Presenter(s, self.clock.now(), self.base_url)
            ticket = s.scalars(select(Ticket).where(Ticket.token == token)).first()
            if ticket is None:
                raise NotFound("No ticket has this token.", "ticket_not_found")
            job = s.scalars(select(PrintJob).where(PrintJob.ticket_id == ticket.id)
                            .order_by(PrintJob.id.desc())).first()
            printer = s.get(Device, job.device_id) if job and job.device_id else None
            if job is None:
                return {"job": None, "printer": None}
            full = self.job_dict(p, job)
            # Whoever holds a ticket's token sees plain facts, not printer addresses.
            return {"job": {k: full[k] for k in ("state", "reason", "attempts")},
                    "printer": None if printer is None else
                    self.printer_summary(self.printer_dict(s, p, printer))}

    @staticmethod
    def printer_summary(printer: dict[str, Any]) -> dict[str, Any]:
        """A printer's state for citizens: ``problem`` is agent_offline, printer_offline,
        out_of_paper, printer_error or None."""
        problem = None
        if not printer["connected"]:
            problem = "agent_offline"
        elif printer["paper"] == "out":
            problem = "out_of_paper"
        elif printer["online"] is False or "unreachable" in (printer["error"] or ""):
            problem = "printer_offline"
        elif printer["ready"] is False:
            problem = "printer_error"
        return {"connected": printer["connected"], "ready": printer["ready"],
                "paper": printer["paper"], "problem": problem}

    def sample_for_print(self) -> dict[str, Any]:
        with self.db.read() as s:
            return sample_job(s, Presenter(s, self.clock.now(), self.base_url))

    def ticket_for_print(self, ticket_id: int, actor: Actor) -> dict[str, Any]:
        """A ticket as a print job would carry it (for the PNG preview)."""
        now = self.clock.now()
        with self.db.read() as s:
            ticket = self.queue.load_ticket(s, ticket_id, lock=False)
            if actor.role == "staff" and actor.agency_id not in (None,
                                                                 ticket.service.agency_id):
                raise Forbidden("Staff may see only tickets of their own agency.",
                                "other_agency")
            p = Presenter(s, now, self.base_url)
            job = PrintJob(id=0, ticket_id=ticket.id, reason="issue", created_at=now)
            return self.job_payload(p, job, ticket)


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Template(str):
    """A catalogue text whose ``format`` never fails: an unknown ``{placeholder}`` stays as
    written, a malformed text prints as written (a translator's slip must not stop a
    ticket; tests/core/test_translations.py catches it)."""

    def format(self, *args: Any, **values: Any) -> str:  # noqa: A003
        try:
            return str.format_map(self, _Keep(values))
        except (ValueError, IndexError, AttributeError, TypeError):
            return str(self)


def ticket_language(lang: str | None, site_settings: dict[str, Any] | None) -> str:
    """A ticket's print language: the one the citizen used at the kiosk when it still has a
    catalogue, else the site's default language (mpp.i18n.site_language)."""
    return lang if lang is not None and lang in languages() else site_language(site_settings)


def ticket_texts(ticket: dict[str, Any], lang: str, reason: str = "issue") -> dict[str, str]:
    """The printed ticket's lines in ``lang``, from the catalogue's ``ticket`` section with
    the ticket's numbers and times written in: the print job's ``texts`` (printer.layout
    prints them; "\n" starts a line). ``ticket`` is the ticket as the job carries it."""
    from babel.numbers import format_decimal

    from printer.layout import ZONES

    t = {key: _Template(text) for key, text in section("ticket", lang).items()}
    locale = number_locale(lang)

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    def moment(iso: str) -> dict[str, str]:
        at = datetime.fromisoformat(iso)
        offset = at.utcoffset()
        hours = None if offset is None else offset.total_seconds() / 3600
        zone = ZONES.get(int(hours)) if hours is not None and hours.is_integer() else None
        days = t["weekdays"].split(",")
        return {"weekday": days[at.weekday()].strip() if len(days) == 7 else "",
                "day": f"{at:%d}", "month": f"{at:%m}", "year": f"{at:%Y}",
                "hour": f"{at:%H}", "minute": f"{at:%M}",
                "zone": zone or (at.strftime("UTC%z") if offset is not None else "")}

    out = {"queue_number": t["queue_number"],
           "people_ahead": t["people_ahead"].format(n=number(ticket["people_ahead"])),
           "taken_at": t["taken_at"].format(
               **moment(ticket.get("arrived_at") or ticket["issued_at"])).strip(),
           "scan": t["scan"]}
    if ticket.get("priority"):
        label = t.get(f"priority_{ticket.get('priority_category')}")
        out["priority"] = t["priority_with"].format(label=label) if label else t["priority"]
    if ticket.get("booked"):
        out["booked"] = t["booked"]
        out["booked_for"] = t["booked_for"].format(**moment(ticket["issued_at"]))
    wait = ticket.get("estimated_wait_minutes")
    if ticket.get("open_counters") == 0:  # no estimate holds while nobody calls the service
        out["wait"] = t["wait_no_counter"]
    elif wait is not None:
        out["wait"] = (t["wait_soon"] if wait == 0
                       else t["wait_minutes"].format(minutes=number(wait)))
    if reason == "reprint":
        out["reprint"] = t["reprint"]
    return out


def sample_job(s: Session, p: Presenter) -> dict[str, Any]:
    """A print job for a made-up ticket with the site's real name, logo and footer, so the
    admin page can show what a change to those settings will print."""
    settings = p.site.settings or {}
    ticket = {"number": "A001", "service": {"name": "Contoh Layanan"},
              "agency": {"name": "Contoh Instansi"}, "people_ahead": 3,
              "estimated_wait_minutes": 15, "issued_at": p.iso(p.now),
              "status_url": f"{p.base_url}/t/contoh", "priority": False}
    lang = site_language(settings)
    return {"job_id": 0, "reason": "issue", "ticket": ticket,
            "site": {"name": p.site.name, "footer": settings.get("ticket_footer", ""),
                     "logo_png_base64": site_logo(p.site)},
            "lang": lang, "texts": ticket_texts(ticket, lang)}


def check_paper(value: str | None) -> str:
    if value in (None, ""):
        return "80"
    if value not in ("58", "80"):
        raise ValidationFailed("paper must be 58 or 80.", "invalid_paper")
    return value

