"""Setting up the hall: agencies, services, counters, users, devices, holidays, site settings.

Flask-free use cases. Each write runs in one transaction, validates with a clear error
(a DomainError with a stable code) and records who changed what in the audit log. Nothing
that tickets refer to is ever deleted: agencies, services and counters are deactivated.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import Clock
from ..db import Database
from ..domain import booking, hours, notifications, remote_join
from ..domain.actor import Actor
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..domain.numbering import validate_prefix
from ..domain.states import HELD
from ..events import HALL, SITE, Event
from ..models import (
    Agency,
    AuditLog,
    AuthToken,
    Counter,
    CounterService,
    CounterSession,
    Device,
    Holiday,
    Service,
    Site,
    Ticket,
    User,
)
from . import accounts
from .accounts import audit
from .presenter import site_of
from .queue import QueueService
from .site_layout import export_layout, load_layout, parse_toml

#: site settings kept in Site.settings, with what the admin form shows for each
SETTING_KEYS = ("name_en", "address", "logo", "ticket_footer", "running_text", "running_text_en",
                "friday_break", "issue_cutoff_minutes", "complaints", "complaints_en",
                "pledge", "pledge_en")
MAX_LOGO_BYTES = 300_000
RUNNING_TEXT_MAX = 2000
CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _require_admin(actor: Actor | str) -> None:
    # A plain string names the operator at the server's command line ("cli"), who may.
    if isinstance(actor, Actor) and actor.role != "admin":
        raise Forbidden("Only admins change the hall's set-up.", "admin_only")


def _invalid(message: str, code: str, what: str, **facts: Any) -> ValidationFailed:
    """A refused value, naming what it was (``what``, the English label the admin pages map
    to their form field and Indonesian wording) and the facts of the rule (``facts``)."""
    exc = ValidationFailed(message, code)
    exc.what = what  # type: ignore[attr-defined]
    exc.facts = facts  # type: ignore[attr-defined]
    return exc


def _code(value: str, what: str) -> str:
    code = (value or "").strip().upper()
    if not (1 <= len(code) <= 40) or not set(code) <= CODE_CHARS:
        raise _invalid(f"{what} code must be 1-40 characters A-Z, 0-9, '-' or '_'.",
                       "invalid_code", "Code")
    return code


def _text(value: str | None, what: str, max_len: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(f"{what} is required.", "missing_field", what)
    if len(text) > max_len:
        raise _invalid(f"{what} must be at most {max_len} characters.", "too_long", what,
                       limit=max_len)
    return text


def _count(value: Any, what: str, allow_none: bool = False, max_value: int = 10**9
           ) -> int | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise _invalid(f"{what} is required.", "missing_field", what)
    if isinstance(value, bool):
        raise _invalid(f"{what} must be a whole number.", "invalid_number", what,
                       max=max_value)
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{what} must be a whole number.", "invalid_number", what,
                       max=max_value) from exc
    if number < 0 or number > max_value:
        raise _invalid(f"{what} must be between 0 and {max_value}.", "invalid_number", what,
                       max=max_value)
    return number


def _lines(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else value
    return [x.strip() for x in items if x and x.strip()]


def normalise_hours(spec: str | dict[str, str] | None) -> str | dict[str, str]:
    """Check an hours specification and give its simplest equal form.

    A table whose days all share one range becomes that range (``"08:00-15:00"``).
    """
    if spec is None or spec == "":
        return "00:00-24:00"
    week = hours.parse_hours(spec)
    texts = {d: hours.format_ranges(week[d]) for d in hours.DAYS}
    if len(set(texts.values())) == 1:
        only = texts["mon"]
        return "00:00-24:00" if only == "00:00-24:00" else only
    return texts


def hours_by_day(spec: Any) -> dict[str, str]:
    """The hours as text per weekday, for a form with one field per day."""
    week = hours.parse_hours(spec)
    return {d: hours.format_ranges(week[d]) for d in hours.DAYS}


@dataclass(frozen=True)
class DeviceToken:
    """A device with the token to show the admin once."""

    device_id: int
    name: str
    kind: str
    token: str


class AdminService:
    """The admin area's use cases over one database and clock."""

    def __init__(self, db: Database, clock: Clock, queue: QueueService | None = None):
        self.db = db
        self.clock = clock
        #: for the presenter and the publisher when a change must reach open pages at once
        self.queue = queue

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction holding the site row's lock: set-up changes happen one at a
        time, so checks such as "this prefix is free" still hold at the commit. (SQLite's
        write transaction is exclusive anyway; PostgreSQL needs the row lock.)"""
        with self.db.write() as s:
            s.execute(select(Site.id).order_by(Site.id).limit(1).with_for_update())
            yield s

    # -- reading ---------------------------------------------------------------------------
    def site(self, s: Session) -> Site:
        return site_of(s)

    def agencies(self, s: Session) -> list[Agency]:
        site = site_of(s)
        return list(s.scalars(select(Agency).where(Agency.site_id == site.id)
                              .options(selectinload(Agency.services),
                                       selectinload(Agency.counters))
                              .order_by(Agency.sort_order, Agency.id)))

    def services(self, s: Session, agency_id: int | None = None) -> list[Service]:
        stmt = (select(Service).join(Agency).where(Agency.site_id == site_of(s).id)
                .options(selectinload(Service.agency))
                .order_by(Agency.sort_order, Agency.id, Service.id))
        if agency_id is not None:
            stmt = stmt.where(Service.agency_id == agency_id)
        return list(s.scalars(stmt))

    def counters(self, s: Session) -> list[Counter]:
        return list(s.scalars(
            select(Counter).join(Agency).where(Agency.site_id == site_of(s).id)
            .options(selectinload(Counter.agency), selectinload(Counter.services),
                     selectinload(Counter.staff))
            .order_by(Agency.sort_order, Agency.id, Counter.id)))

    def users(self, s: Session) -> list[User]:
        return list(s.scalars(select(User).options(selectinload(User.agency))
                              .order_by(User.role, User.username)))

    def devices(self, s: Session) -> list[Device]:
        return list(s.scalars(select(Device).order_by(Device.kind, Device.name)))

    def holidays(self, s: Session) -> list[Holiday]:
        return list(s.scalars(select(Holiday).where(Holiday.site_id == site_of(s).id)
                              .order_by(Holiday.day)))

    def audit_log(self, s: Session, limit: int = 100, offset: int = 0,
                  entity: str | None = None) -> tuple[list[AuditLog], int]:
        """The newest audit entries first, with the total count for paging."""
        stmt = select(AuditLog)
        count = select(func.count(AuditLog.id))
        if entity:
            stmt = stmt.where(AuditLog.entity == entity)
            count = count.where(AuditLog.entity == entity)
        rows = list(s.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)))
        return rows, int(s.scalar(count) or 0)

    def get(self, s: Session, model: type[Any], entity_id: int, what: str) -> Any:
        row = s.get(model, entity_id)
        if row is None:
            raise NotFound(f"{what} {entity_id} does not exist.", f"{what.lower()}_not_found")
        return row

    def tickets_of(self, s: Session, column: Any, value: int) -> int:
        return int(s.scalar(select(func.count(Ticket.id)).where(column == value)) or 0)

    # -- agencies --------------------------------------------------------------------------
    def save_agency(self, actor: Actor, agency_id: int | None, *, code: str, name: str,
                    short_name: str = "", sort_order: int | str | None = None,
                    active: bool = True, version: object = None) -> int:
        """Create (``agency_id`` None) or update an agency; returns its id. Without a sort
        order, a new agency comes last and an existing one keeps its place."""
        _require_admin(actor)
        now = self.clock.now()
        code = _code(code, "Agency")
        values: dict[str, Any] = {"code": code, "name": _text(name, "Name", 200, required=True),
                                  "short_name": _text(short_name, "Short name", 60),
                                  "active": bool(active)}
        if sort_order not in (None, ""):
            values["sort_order"] = _count(sort_order, "Sort order", max_value=10_000)
        with self._write() as s:
            site = site_of(s)
            if agency_id is not None:
                self._check_version(s, Agency, "agency", agency_id, version)
            if agency_id is None and "sort_order" not in values:
                last = s.scalar(select(func.max(Agency.sort_order))
                                .where(Agency.site_id == site.id))
                values["sort_order"] = 0 if last is None else last + 1
            clash = s.scalars(select(Agency).where(Agency.site_id == site.id,
                                                   Agency.code == code)).first()
            if clash is not None and clash.id != agency_id:
                raise Conflict(f"Agency code {code!r} is already used by {clash.name}.",
                               "agency_exists")
            if agency_id is None:
                agency = Agency(site_id=site.id, **values)
                s.add(agency)
                s.flush()
                audit(s, actor, "create", "agency", agency.id, now, **values)
            else:
                agency = self.get(s, Agency, agency_id, "Agency")
                self._apply(s, actor, now, agency, "agency", values)
            return agency.id

    @staticmethod
    def version(s: Session, entity: str, entity_id: int) -> int:
        """The edit version of a record: the id of its latest audit entry (0 before any).
        A form carries the version it was opened at; every audited change moves it on."""
        return s.scalar(select(func.max(AuditLog.id)).where(
            AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))) or 0

    def _check_version(self, s: Session, model: type[Any], entity: str, entity_id: int,
                       expected: object) -> None:
        """Refuse a save made from a form opened before someone else changed the record
        (409 ``stale_edit``), instead of silently undoing their change. The row is locked
        first, so two saves at once are judged one after the other. No ``expected``: the
        caller does not track versions (the check is skipped)."""
        if expected in (None, ""):
            return
        s.get(model, entity_id, with_for_update=True)
        if str(expected) != str(self.version(s, entity, entity_id)):
            raise Conflict("Data ini telah diubah orang lain sejak Anda membukanya; muat ulang "
                           "halaman untuk melihat perubahannya (menyimpan lagi akan menimpanya). "
                           "/ Someone else changed this since you opened it; reload the page "
                           "to see their change (saving again overwrites it).", "stale_edit")

    def _apply(self, s: Session, actor: Actor, now: datetime, row: Any, entity: str,
               values: dict[str, Any]) -> dict[str, Any]:
        """Set changed fields and audit them with their old and new values."""
        changed = {}
        for key, value in values.items():
            old = getattr(row, key)
            if old != value:
                changed[key] = {"from": _jsonable(old), "to": _jsonable(value)}
                setattr(row, key, value)
        if changed:
            s.flush()
            audit(s, actor, "update", entity, row.id, now, changes=changed)
        return changed

    # -- services --------------------------------------------------------------------------
    def save_service(self, actor: Actor, service_id: int | None, data: dict[str, Any]) -> int:
        """Create or update a service with its published standard; returns its id.

        ``data`` keys: agency_id, code, name, name_en, prefix, description, requirements,
        procedure (lists or text with one item a line), legal_basis, product, complaints,
        requirements_en, procedure_en, product_en, complaints_en, sla_minutes, fee,
        fee_note, daily_quota, hours (string or table by weekday), issue_cutoff_minutes,
        priority_enabled, regular_per_priority, active; booking_enabled with booking_slot_minutes,
        booking_per_slot, booking_days_ahead, booking_grace_minutes (left out: unchanged);
        remote_join (left out: unchanged).
        """
        _require_admin(actor)
        now = self.clock.now()
        code = _code(data.get("code", ""), "Service")
        prefix = validate_prefix(str(data.get("prefix") or ""))
        try:
            service_hours = normalise_hours(data.get("hours"))
        except ValidationFailed as exc:
            raise ValidationFailed(f"Hours: {exc.message}", "invalid_hours") from exc
        values: dict[str, Any] = {
            "code": code, "prefix": prefix,
            "name": _text(data.get("name"), "Name", 200, required=True),
            "name_en": _text(data.get("name_en"), "English name", 200),
            "description": _text(data.get("description"), "Description", 5000),
            "requirements": _lines(data.get("requirements")),
            "procedure": _lines(data.get("procedure")),
            "legal_basis": _text(data.get("legal_basis"), "Legal basis", 5000),
            "product": _text(data.get("product"), "Product", 2000),
            "complaints": _text(data.get("complaints"), "Complaint handling", 2000),
            "texts_en": {key: value for key, value in (
                ("requirements", _lines(data.get("requirements_en"))),
                ("procedure", _lines(data.get("procedure_en"))),
                ("product", _text(data.get("product_en"), "Product (English)", 2000)),
                ("complaints", _text(data.get("complaints_en"), "Complaint handling (English)",
                                     2000))) if value},
            "sla_minutes": _count(data.get("sla_minutes"), "Service time (SLA minutes)",
                                  allow_none=True, max_value=10_000),
            "fee": _count(data.get("fee") or 0, "Fee"),
            "fee_note": _text(data.get("fee_note"), "Fee note", 300),
            "daily_quota": _count(data.get("daily_quota"), "Daily quota", allow_none=True,
                                  max_value=100_000),
            "hours": service_hours,
            "issue_cutoff_minutes": _count(data.get("issue_cutoff_minutes"),
                                           "Issuing cut-off", allow_none=True, max_value=600),
            "priority_enabled": bool(data.get("priority_enabled", True)),
            "regular_per_priority": _count(data.get("regular_per_priority", 2),
                                           "Regular calls per priority call", max_value=100),
            "active": bool(data.get("active", True)),
        }
        if values["daily_quota"] == 0:
            raise ValidationFailed("Daily quota must be at least 1; leave it empty for no "
                                   "limit.", "invalid_number")
        if "remote_join" in data:
            # the site file's remote_join: tickets for today taken from a phone
            values["remote_join"] = bool(data["remote_join"])
        if "booking_enabled" in data:
            # the site file's booking table (mpp.domain.booking); off: no new bookings
            values["booking"] = None if not data["booking_enabled"] else booking.parse_rules({
                key: _count(data.get(f"booking_{key}") or default, f"Booking {key}")
                for key, default in booking.BookingRules().as_dict().items()}).as_dict()
        with self._write() as s:
            site = site_of(s)
            agency = s.get(Agency, _count(data.get("agency_id"), "Agency") or 0)
            if agency is None or agency.site_id != site.id:
                raise NotFound("Choose an existing agency for the service.", "agency_not_found")
            values["agency_id"] = agency.id
            owner = s.execute(select(Service, Agency).join(Agency).where(
                Agency.site_id == site.id, Service.prefix == prefix)).first()
            if owner is not None and owner[0].id != service_id:
                raise Conflict(f"Prefix {prefix!r} is already used by {owner[1].code}/"
                               f"{owner[0].code} ({owner[0].name}).", "duplicate_prefix")
            clash = s.scalars(select(Service).where(Service.agency_id == agency.id,
                                                    Service.code == code)).first()
            if clash is not None and clash.id != service_id:
                raise Conflict(f"{agency.code} already has a service with code {code!r}.",
                               "service_exists")
            if service_id is None:
                service = Service(**values)
                s.add(service)
                s.flush()
                audit(s, actor, "create", "service", service.id, now,
                      **{k: _jsonable(v) for k, v in values.items()})
                return service.id
            self._check_version(s, Service, "service", service_id, data.get("version"))
            service = self.get(s, Service, service_id, "Service")
            if service.agency_id != agency.id and (
                    self.tickets_of(s, Ticket.origin_service_id, service.id)
                    or s.scalar(select(func.count()).select_from(CounterService)
                                .where(CounterService.service_id == service.id))):
                raise Conflict("A service with tickets or counters cannot move to another "
                                   "agency; create a new service instead.", "service_in_use")
            if hours.parse_hours(service.hours) == hours.parse_hours(values["hours"]):
                values["hours"] = service.hours  # the same hours, written as before
            # the standard's parts added later are kept when a caller does not send them
            for key in ("product", "complaints"):
                if key not in data:
                    values[key] = getattr(service, key)
            values["texts_en"] = {**{k: v for k, v in (service.texts_en or {}).items()
                                     if f"{k}_en" not in data}, **values["texts_en"]}
            if service.prefix != prefix and self._issued_today(s, service):
                raise Conflict("Tickets were issued today with the old prefix; change the "
                               "prefix after closing the day.", "prefix_in_use")
            self._apply(s, actor, now, service, "service", values)
            return service.id

    def _issued_today(self, s: Session, service: Service) -> bool:
        site = site_of(s)
        today = self.clock.now().astimezone(ZoneInfo(site.timezone)).date()
        return s.scalar(select(func.count(Ticket.id)).where(
            Ticket.origin_service_id == service.id, Ticket.business_date == today)) > 0

    # -- counters --------------------------------------------------------------------------
    def save_counter(self, actor: Actor, counter_id: int | None, *, agency_id: int | str,
                     name: str, service_ids: list[int], spoken_name: str = "",
                     active: bool = True, version: object = None) -> int:
        """Create or update a counter and the services it serves; returns its id."""
        _require_admin(actor)
        now = self.clock.now()
        name = _text(name, "Name", 100, required=True)
        spoken = _text(spoken_name, "Spoken name", 100)
        with self._write() as s:
            site = site_of(s)
            agency = s.get(Agency, _count(agency_id, "Agency") or 0)
            if agency is None or agency.site_id != site.id:
                raise NotFound("Choose an existing agency for the counter.", "agency_not_found")
            if not service_ids:
                raise ValidationFailed("Choose at least one service this counter serves.",
                                       "no_services")
            services = list(s.scalars(select(Service).where(Service.id.in_(service_ids))
                                      .order_by(Service.id)))
            missing = sorted(set(service_ids) - {sv.id for sv in services})
            if missing:
                raise NotFound(f"Unknown service id(s) {missing}.", "service_not_found")
            foreign = [sv.code for sv in services if sv.agency_id != agency.id]
            if foreign:
                raise ValidationFailed(f"A counter serves only its own agency's services; "
                                       f"{', '.join(foreign)} belong to another agency.",
                                       "other_agency_service")
            clash = s.scalars(select(Counter).where(Counter.agency_id == agency.id,
                                                    Counter.name == name)).first()
            if clash is not None and clash.id != counter_id:
                raise Conflict(f"{agency.code} already has a counter named {name!r}.",
                               "counter_exists")
            values = {"agency_id": agency.id, "name": name, "spoken_name": spoken,
                      "active": bool(active)}
            if counter_id is None:
                counter = Counter(**values)
                counter.services = services
                s.add(counter)
                s.flush()
                audit(s, actor, "create", "counter", counter.id, now, **values,
                      services=[sv.code for sv in services])
                return counter.id
            self._check_version(s, Counter, "counter", counter_id, version)
            counter = self.get(s, Counter, counter_id, "Counter")
            if counter.agency_id != agency.id and self.tickets_of(s, Ticket.counter_id,
                                                                   counter.id):
                raise Conflict("A counter that has served tickets cannot move to another "
                               "agency; create a new counter instead.", "counter_in_use")
            if not active and counter.staff_user_id is not None:
                raise Conflict(f"{counter.name} is open now; its staff member must close it "
                               "before it is deactivated.", "counter_open")
            self._apply(s, actor, now, counter, "counter", values)
            if sorted(sv.id for sv in counter.services) != [sv.id for sv in services]:
                old = [sv.code for sv in counter.services]
                counter.services = services
                audit(s, actor, "update", "counter", counter.id, now,
                      changes={"services": {"from": old, "to": [sv.code for sv in services]}})
            return counter.id

    def release_counter(self, actor: Actor, counter_id: int) -> None:
        """Close a counter a staff member left open (e.g. went home); refused while it
        still holds a called or serving ticket."""
        _require_admin(actor)
        now = self.clock.now()
        with self._write() as s:
            counter = self.get(s, Counter, counter_id, "Counter")
            if counter.staff_user_id is None:
                return
            held = s.scalars(select(Ticket.number).where(
                Ticket.counter_id == counter.id, Ticket.status.in_(list(HELD)))).first()
            if held is not None:
                raise Conflict(f"{counter.name} still holds ticket {held}.", "counter_busy")
            for cs in s.scalars(select(CounterSession).where(
                    CounterSession.counter_id == counter.id, CounterSession.closed_at.is_(None))):
                cs.closed_at = now
            audit(s, actor, "release", "counter", counter.id, now,
                  staff_user_id=counter.staff_user_id)
            counter.staff_user_id = None
            counter.opened_at = None
            s.flush()
            events = [] if self.queue is None else [
                Event("counter", HALL, {"counter": self.queue.presenter(s, now).counter(counter)})]
        if self.queue is not None:
            self.queue.publisher.publish(events)

    # -- users -----------------------------------------------------------------------------
    def create_user(self, actor: Actor, *, username: str, password: str, role: str,
                    agency_id: int | str | None = None, full_name: str = "") -> int:
        """Create a user; staff must belong to an agency, managers may."""
        _require_admin(actor)
        with self._write() as s:
            agency_code = self._agency_code(s, agency_id)
            if role == "staff" and agency_code is None:
                raise ValidationFailed("Staff work for one agency: choose it.", "agency_required")
            user = accounts.create_user(s, self.clock.now(), username, password, role,
                                        agency_code, _text(full_name, "Full name", 200),
                                        actor=actor)
            return user.id

    def _agency_code(self, s: Session, agency_id: int | str | None) -> str | None:
        if agency_id in (None, "", 0, "0"):
            return None
        agency = s.get(Agency, _count(agency_id, "Agency") or 0)
        if agency is None:
            raise NotFound("Choose an existing agency.", "agency_not_found")
        return agency.code

    def update_user(self, actor: Actor, user_id: int, *, role: str,
                    agency_id: int | str | None, full_name: str, active: bool,
                    version: object = None) -> None:
        """Change a user's role, agency, name or active flag. Deactivating revokes their
        login tokens at once, and their browser sessions end on the next request."""
        _require_admin(actor)
        now = self.clock.now()
        if role not in accounts.ROLES:
            raise ValidationFailed(f"Role must be one of {', '.join(accounts.ROLES)}.",
                                   "invalid_role")
        with self._write() as s:
            self._check_version(s, User, "user", user_id, version)
            user = self.get(s, User, user_id, "User")
            agency_code = self._agency_code(s, agency_id)
            if role == "admin" and agency_code is not None:
                raise ValidationFailed("Admins are not tied to an agency.", "admin_agency")
            if role == "staff" and agency_code is None:
                raise ValidationFailed("Staff work for one agency: choose it.", "agency_required")
            if user.id == actor.user_id and (role != "admin" or not active):
                raise Conflict("You cannot demote or deactivate your own account; ask another "
                               "admin.", "self_lockout")
            if user.role == "admin" and (role != "admin" or not active):
                admins = s.scalar(select(func.count(User.id)).where(
                    User.role == "admin", User.active.is_(True), User.id != user.id))
                if not admins:
                    raise Conflict("This is the last active admin.", "last_admin")
            if not active and user.active:
                held = s.scalars(select(Counter).where(Counter.staff_user_id == user.id)).first()
                if held is not None:
                    raise Conflict(f"{user.username} holds {held.name}: release the counter "
                                   "first.", "counter_open")
            agency_pk = None if agency_code is None else s.scalars(
                select(Agency.id).where(Agency.code == agency_code)).first()
            self._apply(s, actor, now, user, "user", {
                "role": role, "agency_id": agency_pk, "active": bool(active),
                "full_name": _text(full_name, "Full name", 200)})
            if not active:
                self._revoke_tokens(s, user.id, now)

    @staticmethod
    def _revoke_tokens(s: Session, user_id: int, now: datetime) -> int:
        rows = list(s.scalars(select(AuthToken).where(AuthToken.user_id == user_id,
                                                      AuthToken.revoked_at.is_(None))))
        for row in rows:
            row.revoked_at = now
        return len(rows)

    def set_password(self, actor: Actor | str, user_id: int | str, password: str,
                     activate: bool = False) -> None:
        """An admin (or the operator, ``actor="cli"``) sets a new password for a user, by id
        or username; the user's tokens are revoked and other sessions end. ``activate``
        also lets a deactivated user sign in again (recovering a locked-out admin)."""
        _require_admin(actor)
        now = self.clock.now()
        with self._write() as s:
            if isinstance(user_id, str):
                user = s.scalars(select(User).where(User.username == user_id)).first()
                if user is None:
                    raise NotFound(f"No user is called {user_id!r}.", "user_not_found")
            else:
                user = self.get(s, User, user_id, "User")
            self._store_password(s, user, password, now)
            audit(s, actor, "password", "user", user.id, now, username=user.username)
            if activate and not user.active:
                user.active = True
                audit(s, actor, "update", "user", user.id, now,
                      changes={"active": {"from": False, "to": True}})

    def change_own_password(self, actor: Actor, current: str, new: str) -> None:
        """A signed-in user changes their own password, giving the current one."""
        if actor.user_id is None:
            raise Forbidden("Only people have passwords.", "not_a_user")
        now = self.clock.now()
        with self._write() as s:
            user = self.get(s, User, actor.user_id, "User")
            if not check_password_hash(user.password_hash, current or ""):
                raise ValidationFailed("The current password is wrong.", "wrong_password")
            if current == new:
                raise ValidationFailed("Choose a password different from the current one.",
                                       "same_password")
            self._store_password(s, user, new, now)
            audit(s, actor, "password", "user", user.id, now, username=user.username)

    def _store_password(self, s: Session, user: User, password: str, now: datetime) -> None:
        if len(password or "") < accounts.MIN_PASSWORD:
            raise ValidationFailed(f"Password must have at least {accounts.MIN_PASSWORD} "
                                   "characters.", "weak_password")
        if len(password) > 200:
            raise ValidationFailed("Password must be at most 200 characters.", "too_long")
        user.password_hash = generate_password_hash(password, accounts.HASH_METHOD)
        self._revoke_tokens(s, user.id, now)

    # -- devices ---------------------------------------------------------------------------
    def create_device(self, actor: Actor, *, name: str, kind: str,
                      settings: dict[str, Any] | None = None) -> DeviceToken:
        """Register a device; its token is in the answer and nowhere else."""
        _require_admin(actor)
        with self._write() as s:
            clean = self._device_settings(s, kind, settings or {})
            device, token = accounts.create_device(s, self.clock.now(), name, kind, clean,
                                                   actor=actor)
            return DeviceToken(device.id, device.name, device.kind, token)

    def _device_settings(self, s: Session, kind: str, settings: dict[str, Any],
                         device_id: int | None = None) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        printer_id = settings.get("printer_device_id")
        if printer_id not in (None, "", 0, "0"):
            if kind != "kiosk":
                raise ValidationFailed("Only a kiosk has a paired printer.", "invalid_settings")
            printer = s.get(Device, _count(printer_id, "Printer") or 0)
            if printer is None or printer.kind != "printer":
                raise ValidationFailed("The paired printer must be a registered printer "
                                       "device.", "invalid_printer")
            if printer.revoked_at is not None:
                raise ValidationFailed(f"Printer {printer.name} is revoked.", "invalid_printer")
            clean["printer_device_id"] = printer.id
        codes = [c.strip().upper() for c in settings.get("agencies") or [] if c and c.strip()]
        if codes:
            if kind not in ("display", "kiosk"):
                raise ValidationFailed("Only displays and kiosks show a chosen set of agencies.",
                                       "invalid_settings")
            known = set(s.scalars(select(Agency.code)))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise NotFound(f"Unknown agency code(s): {', '.join(unknown)}.",
                               "agency_not_found")
            clean["agencies"] = codes
        title = _text(settings.get("title"), "Board title", 100)
        if title:
            if kind != "display":
                raise ValidationFailed("Only a display board has a title.", "invalid_settings")
            clean["title"] = title
        counter_id = settings.get("counter_id")
        if counter_id not in (None, "", 0, "0"):
            # a rating tablet: only it gets the counter's finished tickets (with their
            # tokens) to offer the survey (mpp.hall_access)
            if kind != "display":
                raise ValidationFailed("Only a display device can be a counter's rating "
                                       "tablet.", "invalid_settings")
            counter = s.get(Counter, _count(counter_id, "Counter") or 0)
            if counter is None:
                raise NotFound("Choose an existing counter for the rating tablet.",
                               "counter_not_found")
            clean["counter_id"] = counter.id
        return clean

    def update_device(self, actor: Actor, device_id: int, *, name: str,
                      settings: dict[str, Any], version: object = None) -> None:
        """Rename a device or change its settings (kiosk printer, display agencies)."""
        _require_admin(actor)
        now = self.clock.now()
        name = _text(name, "Name", 100, required=True)
        with self._write() as s:
            self._check_version(s, Device, "device", device_id, version)
            device = self.get(s, Device, device_id, "Device")
            clash = s.scalars(select(Device).where(Device.name == name)).first()
            if clash is not None and clash.id != device.id:
                raise Conflict(f"Device {name!r} already exists.", "device_exists")
            clean = self._device_settings(s, device.kind, settings, device.id)
            # Keep settings other areas add (e.g. a kiosk's language) that the form lacks.
            merged = {k: v for k, v in (device.settings or {}).items()
                      if k not in ("printer_device_id", "agencies", "title", "counter_id")}
            merged.update(clean)
            self._apply(s, actor, now, device, "device", {"name": name, "settings": merged})

    def revoke_device(self, actor: Actor, device_id: int) -> None:
        """Stop a device's token from working (a stolen or retired kiosk)."""
        _require_admin(actor)
        now = self.clock.now()
        with self._write() as s:
            device = self.get(s, Device, device_id, "Device")
            if device.revoked_at is None:
                device.revoked_at = now
                audit(s, actor, "revoke", "device", device.id, now, name=device.name)

    def rotate_device(self, actor: Actor, device_id: int) -> DeviceToken:
        """Give a device a new token (shown once); the old one stops working. A revoked
        device comes back into use this way."""
        _require_admin(actor)
        now = self.clock.now()
        with self._write() as s:
            device = self.get(s, Device, device_id, "Device")
            token = secrets.token_urlsafe(32)
            device.token_hash = accounts.token_digest(token)
            was_revoked = device.revoked_at is not None
            device.revoked_at = None
            audit(s, actor, "rotate", "device", device.id, now, name=device.name,
                  reactivated=was_revoked)
            return DeviceToken(device.id, device.name, device.kind, token)

    # -- holidays --------------------------------------------------------------------------
    def add_holiday(self, actor: Actor, day: date | None, name: str) -> int:
        """Close the whole site on ``day`` (libur nasional, cuti bersama)."""
        _require_admin(actor)
        now = self.clock.now()
        if not isinstance(day, date):
            raise ValidationFailed("Give the holiday's date.", "missing_field")
        name = _text(name, "Name", 200, required=True)
        with self._write() as s:
            site = site_of(s)
            if s.scalars(select(Holiday).where(Holiday.site_id == site.id,
                                               Holiday.day == day)).first() is not None:
                raise Conflict(f"{day.isoformat()} is already a holiday.", "holiday_exists")
            row = Holiday(site_id=site.id, day=day, name=name)
            s.add(row)
            s.flush()
            audit(s, actor, "create", "holiday", row.id, now, day=day.isoformat(), name=name)
            return row.id

    def delete_holiday(self, actor: Actor, holiday_id: int) -> None:
        """Remove a holiday (a day is not history: tickets keep their own dates)."""
        _require_admin(actor)
        now = self.clock.now()
        with self._write() as s:
            row = self.get(s, Holiday, holiday_id, "Holiday")
            audit(s, actor, "delete", "holiday", row.id, now, day=row.day.isoformat(),
                  name=row.name)
            s.delete(row)

    # -- site ------------------------------------------------------------------------------
    def save_settings(self, actor: Actor, *, name: str, timezone: str,
                      settings: dict[str, Any]) -> None:
        """Site name, time zone, logo, ticket footer, running texts (Indonesian and English),
        Friday break, cut-off; open boards get the changed site facts at once."""
        _require_admin(actor)
        now = self.clock.now()
        name = _text(name, "Site name", 200, required=True)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationFailed(f"Unknown time zone {timezone!r}; use a name like "
                                   "Asia/Makassar.", "invalid_timezone") from exc
        # Only the keys given change; the others (and keys other areas keep) stay.
        clean: dict[str, Any] = {}
        for key, limit, what in (("name_en", 200, "English name"), ("address", 300, "Address"),
                                 ("ticket_footer", 300, "Ticket footer"),
                                 ("running_text", RUNNING_TEXT_MAX, "Running text"),
                                 ("running_text_en", RUNNING_TEXT_MAX, "English running text"),
                                 ("complaints", 2000, "Complaint handling"),
                                 ("complaints_en", 2000, "Complaint handling (English)"),
                                 ("pledge", 2000, "Service pledge"),
                                 ("pledge_en", 2000, "Service pledge (English)")):
            if key in settings:
                clean[key] = _text(settings[key], what, limit)
        if "friday_break" in settings:
            fb = _text(settings["friday_break"], "Friday break", 40)
            if fb:
                try:
                    ranges = hours.parse_ranges(fb)
                except ValidationFailed as exc:
                    raise ValidationFailed(f"Friday break: {exc.message}",
                                           "invalid_hours") from exc
                if len(ranges) != 1:
                    raise ValidationFailed("Friday break is one range like 11:30-13:00.",
                                           "invalid_hours")
                fb = hours.format_ranges(ranges)
            clean["friday_break"] = fb
        if "issue_cutoff_minutes" in settings:
            clean["issue_cutoff_minutes"] = _count(settings["issue_cutoff_minutes"] or 0,
                                                   "Issuing cut-off", max_value=600)
        logo = settings.get("logo")
        with self._write() as s:
            site = site_of(s)
            merged = dict(site.settings or {})
            merged.update(clean)
            if "notify_webhook_url" in settings:
                # the site file's [notifications]; no URL turns them off, no secret keeps it
                url = _text(settings["notify_webhook_url"], "Webhook URL", 500)
                if not url:
                    merged.pop("notifications", None)
                else:
                    kept = (merged.get("notifications") or {}).get("secret", "")
                    table = {"webhook_url": url,
                             "secret": _text(settings.get("notify_secret"), "Secret", 200)
                             or kept,
                             "ahead": _count(settings.get("notify_ahead") or 3,
                                             "Notify when this many are ahead")}
                    notifications.parse_settings(table)
                    merged["notifications"] = table
            if "remote_check_in_minutes" in settings or "remote_per_phone" in settings:
                # the site file's [remote_join] (mpp.domain.remote_join)
                now_rules = remote_join.parse_rules(merged.get("remote_join"))
                merged["remote_join"] = remote_join.parse_rules({
                    "check_in_minutes": _count(settings.get("remote_check_in_minutes")
                                               or now_rules.check_in_minutes,
                                               "Remote check-in minutes"),
                    "per_phone": _count(settings.get("remote_per_phone") or now_rules.per_phone,
                                        "Remote tickets per phone a day")}).as_dict()
            if logo is not None:
                if len(logo) > MAX_LOGO_BYTES * 4 // 3 + 100:
                    raise ValidationFailed("The logo must be under 300 KB.", "logo_too_large")
                if logo and not (logo.startswith("data:image/") or logo.startswith("/")
                                 or logo.startswith("https://")):
                    raise ValidationFailed("The logo must be an image file, a /path or an "
                                           "https:// address.", "invalid_logo")
                merged["logo"] = logo
            changed = self._apply(s, actor, now, site, "site",
                                  {"name": name, "timezone": timezone, "settings": merged})
            events = self._site_events(s, now) if changed else []
        self._publish(events)

    def load_site_file(self, actor: Actor, text: str) -> dict[str, int]:
        """Load a whole layout (the `mpp site load` TOML); counts of what was created and
        updated. Nothing is deleted."""
        _require_admin(actor)
        data = parse_toml(text)
        now = self.clock.now()
        with self._write() as s:
            site = site_of(s)
            code = (data.get("site") or {}).get("code") if isinstance(data.get("site"),
                                                                       dict) else None
            if code is not None and code != site.code:
                raise ValidationFailed(f"This server runs site {site.code!r}; the file is for "
                                       f"{code!r}.", "other_site")
            before = self._site_events(s, now)
            changes = load_layout(s, data, now, actor=actor)
            audit(s, actor, "load", "site", site.id, now, **changes)
            after = self._site_events(s, now)
        self._publish(after if after != before else [])
        return changes

    def _site_events(self, s: Session, now: datetime) -> list[Event]:
        """The `site` event that lets open boards show a changed name or running text at
        once (they would otherwise wait for their next snapshot)."""
        if self.queue is None:
            return []
        return [Event(SITE, HALL, {"site": self.queue.presenter(s, now).site_facts()})]

    def _publish(self, events: list[Event]) -> None:
        if events and self.queue is not None:
            self.queue.publisher.publish(events)

    def export_site_file(self) -> str:
        with self.db.read() as s:
            return export_layout(s)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 300:
        return f"<{len(value)} characters>"  # e.g. a logo as a data URL
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
