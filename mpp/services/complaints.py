"""Pengaduan: citizens submit complaints; managers follow them up."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..clock import Clock
from ..db import Database
from ..domain.actor import Actor
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..models import Agency, Complaint, Service, Ticket, User
from .presenter import site_of

STATUSES = ("open", "in_progress", "closed")
MAX_BODY = 4000


class ComplaintService:
    """Complaints and their follow-up, scoped by agency for agency managers."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    @staticmethod
    def _dict(c: Complaint, zone: ZoneInfo, agencies: dict[int, Agency],
              responder: str | None = None, ticket_number: str | None = None) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.astimezone(zone).isoformat()

        a = agencies.get(c.agency_id) if c.agency_id else None
        return {"id": c.id, "created_at": iso(c.created_at), "name": c.name,
                "contact": c.contact, "body": c.body, "status": c.status,
                "agency": None if a is None else {"id": a.id, "code": a.code,
                                                  "name": a.short_name or a.name},
                "ticket": None if ticket_number is None else {"id": c.ticket_id,
                                                               "number": ticket_number},
                "response": c.response, "responded_at": iso(c.responded_at),
                "responded_by": responder}

    def submit(self, body: str, name: str = "", contact: str = "",
               agency: int | str | None = None, ticket_token: str | None = None
               ) -> dict[str, Any]:
        """A citizen's complaint; linked to the ticket (and its agency) when a token is given."""
        body = (body or "").strip()
        if len(body) < 5:
            raise ValidationFailed("Write the complaint (at least 5 characters).",
                                   "complaint_too_short")
        if len(body) > MAX_BODY:
            raise ValidationFailed(f"The complaint is longer than {MAX_BODY} characters.",
                                   "complaint_too_long")
        now = self.clock.now()
        with self.db.write() as s:
            site = site_of(s)
            ticket = None
            agency_id = None
            if ticket_token:
                ticket = s.scalars(select(Ticket).where(Ticket.token == ticket_token)).first()
                if ticket is None:
                    raise NotFound("No ticket has this token.", "ticket_not_found")
                agency_id = s.scalars(select(Service.agency_id).where(
                    Service.id == ticket.service_id)).one()
            if agency not in (None, ""):
                stmt = select(Agency).where(Agency.site_id == site.id)
                stmt = stmt.where(Agency.id == agency if isinstance(agency, int)
                                  else Agency.code == str(agency))
                found = s.scalars(stmt).first()
                if found is None:
                    raise ValidationFailed(f"No agency {agency!r}.", "unknown_agency")
                agency_id = found.id
            c = Complaint(site_id=site.id, agency_id=agency_id,
                          ticket_id=None if ticket is None else ticket.id,
                          name=(name or "").strip()[:200], contact=(contact or "").strip()[:200],
                          body=body, status="open", created_at=now)
            s.add(c)
            s.flush()
            agencies = {a.id: a for a in s.scalars(select(Agency))}
            return self._dict(c, ZoneInfo(site.timezone), agencies,
                              ticket_number=None if ticket is None else ticket.number)

    def list(self, agency_id: int | None, status: str | None = None,
             limit: int = 500) -> list[dict[str, Any]]:
        """Complaints newest first; only ``agency_id``'s when given."""
        if status is not None and status not in STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.",
                                   "invalid_status")
        with self.db.read() as s:
            site = site_of(s)
            stmt = select(Complaint).order_by(Complaint.created_at.desc(),
                                              Complaint.id.desc()).limit(limit)
            if agency_id is not None:
                stmt = stmt.where(Complaint.agency_id == agency_id)
            if status is not None:
                stmt = stmt.where(Complaint.status == status)
            rows = s.scalars(stmt).all()
            agencies = {a.id: a for a in s.scalars(select(Agency))}
            users = {u.id: u.username for u in s.scalars(select(User).where(
                User.id.in_({c.responded_by_user_id for c in rows})))}
            numbers = dict(s.execute(select(Ticket.id, Ticket.number).where(
                Ticket.id.in_({c.ticket_id for c in rows}))).all())
            zone = ZoneInfo(site.timezone)
            return [self._dict(c, zone, agencies, users.get(c.responded_by_user_id),
                               numbers.get(c.ticket_id)) for c in rows]

    def update(self, actor: Actor, complaint_id: int, status: str | None,
               response: str | None) -> dict[str, Any]:
        """Record the follow-up: a new status and/or the answer given to the citizen."""
        if status is not None and status not in STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.",
                                   "invalid_status")
        if status is None and response is None:
            raise ValidationFailed("Give a status or a response.", "nothing_to_change")
        now = self.clock.now()
        with self.db.write() as s:
            c = s.get(Complaint, complaint_id, with_for_update=True)
            if c is None:
                raise NotFound(f"Complaint {complaint_id} does not exist.",
                               "complaint_not_found")
            if actor.agency_id is not None and c.agency_id != actor.agency_id:
                raise Forbidden("This complaint belongs to another agency.", "other_agency")
            if status is not None:
                c.status = status
            if response is not None:
                c.response = response.strip()[:MAX_BODY]
                c.responded_at = now
                c.responded_by_user_id = actor.user_id
            s.flush()
            site = site_of(s)
            agencies = {a.id: a for a in s.scalars(select(Agency))}
            number = None if c.ticket_id is None else s.get(Ticket, c.ticket_id).number
            return self._dict(c, ZoneInfo(site.timezone), agencies, actor.name, number)
