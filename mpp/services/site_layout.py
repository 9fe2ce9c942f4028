"""Loading and exporting a site's layout (agencies, services, counters) as TOML.

Loading is an upsert keyed by codes (and counter names): the same file twice changes
nothing, a changed file updates what it names, and nothing is ever deleted.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import booking, hours, notifications, remote_join
from ..domain.actor import Actor
from ..domain.errors import ValidationFailed
from ..domain.numbering import validate_prefix
from ..models import Agency, Counter, Holiday, Service, Site
from .accounts import audit

SITE_KEYS = ("code", "name", "timezone")
#: [site] texts kept in the site's settings, with their longest length (as in the admin form)
SITE_TEXTS = {"name_en": 200, "address": 300, "ticket_footer": 300, "running_text": 2000,
              "running_text_en": 2000, "complaints": 2000, "complaints_en": 2000,
              "pledge": 2000, "pledge_en": 2000}
SERVICE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str, "name_en": str, "description": str, "legal_basis": str, "fee_note": str,
    "sla_minutes": int, "fee": int, "daily_quota": int, "issue_cutoff_minutes": int,
    "regular_per_priority": int, "priority_enabled": bool, "active": bool,
    "requirements": list, "procedure": list, "hours": (str, dict),
    "product": str, "complaints": str,
}
#: the standard's English texts, written in the site file as ``requirements_en`` etc. and
#: kept together in ``Service.texts_en`` (what a file does not name is kept)
SERVICE_TEXTS_EN: dict[str, type] = {"requirements": list, "procedure": list,
                                     "product": str, "complaints": str}


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed(f"The site file is not valid TOML: {exc}", "invalid_toml") from exc


def _need(table: dict[str, Any], key: str, where: str, kind: type = str) -> Any:
    value = table.get(key)
    if value is None or (kind is str and not str(value).strip()):
        raise ValidationFailed(f"{where}: '{key}' is required.", "invalid_site_file")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValidationFailed(f"{where}: '{key}' must be a {kind.__name__}.",
                               "invalid_site_file")
    return value


def _check_service(table: dict[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, kind in SERVICE_FIELDS.items():
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValidationFailed(f"{where}: '{key}' has the wrong type.", "invalid_site_file")
        if kind is int and value < 0:
            raise ValidationFailed(f"{where}: '{key}' must not be negative.", "invalid_site_file")
        values[key] = value
    if "hours" in values:
        try:
            hours.parse_hours(values["hours"])
        except ValidationFailed as exc:
            raise ValidationFailed(f"{where}: {exc.message}", "invalid_site_file") from exc
    for key in ("requirements", "procedure"):
        if key in values and not all(isinstance(x, str) for x in values[key]):
            raise ValidationFailed(f"{where}: '{key}' must be a list of strings.",
                                   "invalid_site_file")
    if table.get("priority") is not None:
        values["priority_enabled"] = bool(table["priority"])
    if "booking" in table:
        # ``booking = false`` turns bookings off again (TOML has no null)
        spec = None if table["booking"] is False else table["booking"]
        try:
            rules = booking.parse_rules(spec)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{where}: {exc.message}", "invalid_site_file") from exc
        values["booking"] = None if rules is None else rules.as_dict()
    if "remote_join" in table:
        # tickets for today taken from a phone (mpp.domain.remote_join)
        try:
            values["remote_join"] = remote_join.parse_allowed(table["remote_join"])
        except ValidationFailed as exc:
            raise ValidationFailed(f"{where}: {exc.message}", "invalid_site_file") from exc
    english: dict[str, Any] = {}
    for key, kind in SERVICE_TEXTS_EN.items():
        if f"{key}_en" not in table:
            continue
        value = table[f"{key}_en"]
        if not isinstance(value, kind) or (kind is list
                                           and not all(isinstance(x, str) for x in value)):
            raise ValidationFailed(f"{where}: '{key}_en' must be "
                                   f"{'a list of strings' if kind is list else 'text'}.",
                                   "invalid_site_file")
        english[key] = value
    if english:
        values["texts_en"] = english
    return values


def load_layout(s: Session, data: dict[str, Any], now: datetime,
                actor: Actor | str = "cli") -> dict[str, int]:
    """Create or update the site described by ``data``; returns counts of what changed."""
    site_t = data.get("site")
    if not isinstance(site_t, dict):
        raise ValidationFailed("The file needs a [site] table.", "invalid_site_file")
    code = _need(site_t, "code", "[site]")
    name = _need(site_t, "name", "[site]")
    tz = site_t.get("timezone", "Asia/Makassar")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"[site]: unknown time zone {tz!r}.", "invalid_site_file") from exc
    changes = {"created": 0, "updated": 0}

    def apply(obj: Any, values: dict[str, Any]) -> None:
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        for k, v in changed.items():
            setattr(obj, k, v)
        if changed and obj.id is not None:
            changes["updated"] += 1
            audit(s, actor, "update", type(obj).__name__.lower(), obj.id, now,
                  fields=sorted(changed))

    def created(obj: Any) -> None:
        s.add(obj)
        s.flush()
        changes["created"] += 1
        audit(s, actor, "create", type(obj).__name__.lower(), obj.id, now)

    site = s.scalars(select(Site).where(Site.code == code)).first()
    settings = {k: v for k, v in site_t.items() if k not in SITE_KEYS}
    for key, limit in SITE_TEXTS.items():
        if key in settings and not (isinstance(settings[key], str)
                                    and len(settings[key]) <= limit):
            raise ValidationFailed(f"[site]: '{key}' must be text of at most {limit} "
                                   "characters.", "invalid_site_file")
    if site is None:
        site = Site(code=code, name=name, timezone=tz, settings=settings)
        created(site)
    else:
        apply(site, {"name": name, "timezone": tz,
                     "settings": {**(site.settings or {}), **settings}})

    if "notifications" in data:
        table = data["notifications"]
        try:
            notifications.parse_settings(table)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, "invalid_site_file") from exc
        apply(site, {"settings": {**(site.settings or {}), "notifications": dict(table)}})

    if "remote_join" in data:
        table = data["remote_join"]
        try:
            rules = remote_join.parse_rules(table)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, "invalid_site_file") from exc
        apply(site, {"settings": {**(site.settings or {}), "remote_join": rules.as_dict()}})

    for i, h in enumerate(data.get("holidays", [])):
        day = h.get("date")
        if not isinstance(day, date):
            raise ValidationFailed(f"holidays[{i}]: 'date' must be a date like 2026-12-25.",
                                   "invalid_site_file")
        row = s.scalars(select(Holiday).where(Holiday.site_id == site.id,
                                              Holiday.day == day)).first()
        if row is None:
            created(Holiday(site_id=site.id, day=day, name=str(h.get("name", ""))))
        else:
            apply(row, {"name": str(h.get("name", ""))})

    agencies_t = data.get("agencies", [])
    if not isinstance(agencies_t, list):
        raise ValidationFailed("'agencies' must be an array of tables.", "invalid_site_file")
    prefixes: dict[str, str] = {
        sv.prefix: f"{ag.code}/{sv.code}" for ag, sv in s.execute(
            select(Agency, Service).join(Service).where(Agency.site_id == site.id)).all()}
    for ai, agency_t in enumerate(agencies_t):
        where = f"agencies[{ai}]"
        acode = _need(agency_t, "code", where)
        agency = s.scalars(select(Agency).where(Agency.site_id == site.id,
                                                Agency.code == acode)).first()
        avalues = {"name": _need(agency_t, "name", where),
                   "short_name": str(agency_t.get("short_name", "")),
                   "sort_order": int(agency_t.get("sort_order", ai)),
                   "active": bool(agency_t.get("active", True))}
        if agency is None:
            agency = Agency(site_id=site.id, code=acode, **avalues)
            created(agency)
        else:
            apply(agency, avalues)
        by_code: dict[str, Service] = {sv.code: sv for sv in s.scalars(
            select(Service).where(Service.agency_id == agency.id))}
        for si, service_t in enumerate(agency_t.get("services", [])):
            swhere = f"{where}.services[{si}]"
            scode = _need(service_t, "code", swhere)
            _need(service_t, "name", swhere)
            prefix = validate_prefix(_need(service_t, "prefix", swhere))
            owner = prefixes.get(prefix)
            if owner is not None and owner != f"{acode}/{scode}":
                raise ValidationFailed(f"{swhere}: prefix {prefix!r} is already used by {owner}.",
                                       "duplicate_prefix")
            prefixes[prefix] = f"{acode}/{scode}"
            svalues = {"prefix": prefix, **_check_service(service_t, swhere)}
            service = by_code.get(scode)
            if service is not None and "texts_en" in svalues:
                svalues["texts_en"] = {**(service.texts_en or {}), **svalues["texts_en"]}
            if service is None:
                service = Service(agency_id=agency.id, code=scode, **svalues)
                created(service)
                by_code[scode] = service
            else:
                apply(service, svalues)
        for ci, counter_t in enumerate(agency_t.get("counters", [])):
            cwhere = f"{where}.counters[{ci}]"
            cname = _need(counter_t, "name", cwhere)
            codes = counter_t.get("services", [])
            if not isinstance(codes, list) or not codes:
                raise ValidationFailed(f"{cwhere}: 'services' must list service codes.",
                                       "invalid_site_file")
            unknown = [c for c in codes if c not in by_code]
            if unknown:
                raise ValidationFailed(f"{cwhere}: unknown service code(s) {unknown} in agency "
                                       f"{acode}.", "invalid_site_file")
            counter = s.scalars(select(Counter).where(Counter.agency_id == agency.id,
                                                      Counter.name == cname)).first()
            cvalues = {"spoken_name": str(counter_t.get("spoken_name", "")),
                       "active": bool(counter_t.get("active", True))}
            wanted = [by_code[c] for c in codes]
            if counter is None:
                counter = Counter(agency_id=agency.id, name=cname, **cvalues)
                counter.services = wanted  # a new counter's services are not an update
                created(counter)
            else:
                apply(counter, cvalues)
            if sorted(sv.id for sv in counter.services) != sorted(sv.id for sv in wanted):
                counter.services = wanted
                changes["updated"] += 1
                audit(s, actor, "update", "counter", counter.id, now, services=codes)
    s.flush()
    return changes


def export_layout(s: Session) -> str:
    """The current layout as TOML, in the form ``load_layout`` reads."""
    site = s.scalars(select(Site).order_by(Site.id).limit(1)).first()
    if site is None:
        raise ValidationFailed("No site is loaded yet.", "no_site")
    settings = dict(site.settings or {})
    notify = settings.pop("notifications", None)
    remote = settings.pop("remote_join", None)
    doc: dict[str, Any] = {"site": {"code": site.code, "name": site.name,
                                    "timezone": site.timezone, **settings}}
    if notify:
        doc["notifications"] = notify
    if remote:
        doc["remote_join"] = remote
    holidays = s.scalars(select(Holiday).where(Holiday.site_id == site.id)
                         .order_by(Holiday.day)).all()
    if holidays:
        doc["holidays"] = [{"date": h.day, "name": h.name} for h in holidays]
    doc["agencies"] = []
    for position, agency in enumerate(site.agencies):
        a: dict[str, Any] = {"code": agency.code, "name": agency.name}
        if agency.short_name:
            a["short_name"] = agency.short_name
        if agency.sort_order != position:  # loading defaults it to the position
            a["sort_order"] = agency.sort_order
        if not agency.active:
            a["active"] = False
        a["services"] = []
        for sv in agency.services:
            row: dict[str, Any] = {"code": sv.code, "name": sv.name, "prefix": sv.prefix}
            for key in SERVICE_FIELDS:
                value = getattr(sv, key)
                if value in (None, "", []) or key == "name":
                    continue
                row[key] = value
            if sv.booking:
                row["booking"] = dict(sv.booking)
            if sv.remote_join:
                row["remote_join"] = True
            for key, value in (sv.texts_en or {}).items():
                if key in SERVICE_TEXTS_EN and value not in (None, "", []):
                    row[f"{key}_en"] = value
            a["services"].append(row)
        a["counters"] = []
        for c in agency.counters:
            crow: dict[str, Any] = {"name": c.name, "services": [sv.code for sv in c.services]}
            if c.spoken_name:
                crow["spoken_name"] = c.spoken_name
            if not c.active:
                crow["active"] = False
            a["counters"].append(crow)
        doc["agencies"].append(a)
    return tomli_w.dumps(doc)
