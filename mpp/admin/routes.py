"""Admin pages: thin views that read the form, call AdminService and render.

Every page needs a signed-in admin (``/account/password``: any signed-in user). Forms post
with the CSRF token (Flask-WTF's CSRFProtect checks every POST); errors from the service
re-render the form with the message and the values typed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_
from flask_babel import pgettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select

from ..console.lang import choose_language, remember_language
from ..domain import hours
from ..domain.actor import Actor
from ..domain.errors import DomainError, ValidationFailed
from ..domain.ids import parse_id
from ..domain.remote_join import parse_rules as remote_rules
from ..hall import current_hall
from ..i18n import catalogue, languages
from ..inputs import query_id, query_page
from ..models import Agency, Counter, Device, Service, Ticket, User
from ..services import accounts
from ..services.admin import AdminService, hours_by_day
from ..services.notifications import settings_of
from ..web.session import begin_session
from . import bp
from .form_errors import check_day_hours, explain
from .live import cut_device, cut_user

F = TypeVar("F", bound=Callable[..., Any])

# Texts are gettext messages (msgids in Indonesian; N_ marks them for pybabel and translates
# each time one is shown, in the reader's language): mpp/i18n/gettext.
ROLE_LABELS = {"admin": N_("Admin"), "manager": N_("Manajer"), "staff": N_("Petugas loket")}
KIND_LABELS = {"kiosk": N_("Kiosk"), "display": N_("Papan display"),
               "printer": N_("Printer tiket")}
DAY_LABELS = {"mon": N_("Senin"), "tue": N_("Selasa"), "wed": N_("Rabu"), "thu": N_("Kamis"),
              "fri": N_("Jumat"), "sat": N_("Sabtu"), "sun": N_("Minggu")}
DAY_SHORT = {"mon": N_("Sen"), "tue": N_("Sel"), "wed": N_("Rab"), "thu": N_("Kam"),
             "fri": N_("Jum"), "sat": N_("Sab"), "sun": N_("Min")}
NOTIFICATION_STATES = {"sent": N_("terkirim"), "pending": N_("menunggu"), "failed": N_("gagal")}
AUDIT_ENTITIES = {"agency": N_("Instansi"), "service": N_("Layanan"), "counter": N_("Loket"),
                  "user": N_("Pengguna"), "device": N_("Perangkat"), "holiday": N_("Hari libur"),
                  "site": N_("Situs")}
NEW_SERVICE_HOURS = {"mon": "08:00-15:00", "tue": "08:00-15:00", "wed": "08:00-15:00",
                     "thu": "08:00-15:00", "fri": "08:00-15:00", "sat": "tutup",
                     "sun": "tutup"}


def _roles_page(*roles: str) -> Callable[[F], F]:
    """Only signed-in users with one of ``roles``: others go to the sign-in page (no
    session) or get a 403 page (signed in with another role)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                return render_template("error.html", message=_(
                    "Halaman ini hanya untuk admin.")), 403
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


admin_page = _roles_page("admin")


def _svc() -> AdminService:
    ext = current_app.extensions
    if "mpp_admin" not in ext:
        hall = current_hall()
        ext["mpp_admin"] = AdminService(hall.db, hall.clock, hall.queue)
    return ext["mpp_admin"]


def _actor() -> Actor:
    return current_user.actor


def _form() -> dict[str, Any]:
    """The posted form as a dict of strings (the first value of a repeated field; checkbox
    lists are read with ``request.form.getlist``)."""
    return {k: request.form.get(k, "") for k in request.form}


def _checked(name: str) -> bool:
    return request.form.get(name) in ("on", "1", "true", "yes")


def _page(template: str, error: DomainError | None = None, **ctx: Any) -> Any:
    status = error.status if error is not None else 200
    # the refusal in Indonesian, and the field it is about (marked by the form's macros)
    form_error = explain(error) if error is not None else None
    return render_template(f"admin/{template}", error=error, form_error=form_error,
                           **ctx), status


def _local(moment: Any, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


#: pages that belong to a menu entry other than their own endpoint
SECTIONS = {"admin.agency_form": "admin.agencies", "admin.service_form": "admin.services",
            "admin.counter_form": "admin.counters", "admin.user_new": "admin.users",
            "admin.user_form": "admin.users", "admin.device_new": "admin.devices",
            "admin.device_form": "admin.devices", "admin.device_rotate": "admin.devices",
            "admin.layout_export": "admin.layout", "admin.audit_csv": "admin.audit"}


@bp.app_template_global()
def admin_section() -> str:
    """The menu entry of the page being shown."""
    return SECTIONS.get(request.endpoint or "", request.endpoint or "")


@bp.app_template_global()
def admin_nav() -> list[tuple[str, str]]:
    """The admin menu: (endpoint, label in the reader's language)."""
    return [("admin.overview", _("Ringkasan")),
            ("admin.agencies", pgettext("menu", "Instansi")),
            ("admin.services", pgettext("menu", "Layanan")),
            ("admin.counters", pgettext("menu", "Loket")),
            ("admin.users", pgettext("menu", "Pengguna")),
            ("admin.devices", pgettext("menu", "Perangkat")),
            ("admin.holidays", pgettext("menu", "Hari libur")),
            ("admin.settings", _("Pengaturan")),
            ("admin.layout", _("Berkas tata letak")),
            ("admin.audit", _("Log audit")),
            ("admin.notifications", _("Notifikasi"))]


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global()
def other_languages() -> list[tuple[str, str]]:
    """The languages the admin pages can switch to: (code, the language's own name), every
    language with a catalogue but the one shown (Indonesian first, English available)."""
    shown = choose_language()
    return [(lang, str(catalogue(lang).get("_language", lang))) for lang in languages()
            if lang != shown]


@bp.after_request
def _remember_language(response: Response) -> Response:
    """An explicit ?lang= on an admin page is kept for the next pages, as elsewhere."""
    return remember_language(response, choose_language())


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Any:
    return render_template("error.html", message=_(
        "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi.")
        + f" ({exc.description})"), 400


# -- overview --------------------------------------------------------------------------------
@bp.get("/admin")
@admin_page
def overview() -> Any:
    """The admin home: what the hall has and what needs attention."""
    svc = _svc()
    with svc.db.read() as s:
        site = svc.site(s)
        agencies = svc.agencies(s)
        counters = svc.counters(s)
        devices = svc.devices(s)
        services = svc.services(s)
        served = {sv.id for c in counters if c.active for sv in c.services}
        warnings = [_("Layanan %(agency)s/%(code)s (%(name)s) belum dilayani loket aktif mana "
                      "pun.", agency=sv.agency.code, code=sv.code, name=sv.name)
                    for sv in services if sv.active and sv.id not in served]
        for d in devices:
            if d.kind == "kiosk" and d.revoked_at is None and not (d.settings or {}).get(
                    "printer_device_id"):
                warnings.append(_("Kiosk %(name)s belum dipasangkan dengan printer.",
                                  name=d.name))
            label, pill = device_status(d)
            if d.kind == "printer" and d.revoked_at is None and pill == "off":
                warnings.append(_("Printer %(name)s: %(state)s.", name=d.name, state=label))
        staff = s.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0
        today = svc.clock.now().astimezone(ZoneInfo(site.timezone)).date()
        issued = s.scalar(select(func.count(Ticket.id)).where(
            Ticket.business_date == today)) or 0
        return _page("overview.html", site=site, agencies=agencies, services=services,
                     counters=counters, devices=devices, users=staff, issued=issued,
                     open_counters=[c for c in counters if c.staff_user_id], warnings=warnings)


# -- agencies --------------------------------------------------------------------------------
@bp.get("/admin/agencies")
@admin_page
def agencies() -> Any:
    """Every agency with its services and counters."""
    svc = _svc()
    with svc.db.read() as s:
        return _page("agencies.html", agencies=svc.agencies(s))


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@bp.route("/admin/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin_page
def agency_form(agency_id: int | None = None) -> Any:
    """Create or edit an agency."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            new_id = svc.save_agency(_actor(), agency_id, code=f.get("code", ""),
                                     name=f.get("name", ""), short_name=f.get("short_name", ""),
                                     sort_order=f.get("sort_order"),
                                     active=_checked("active"), version=f.get("version"))
        except DomainError as exc:
            error = exc
        else:
            flash(_("Instansi %(code)s disimpan.", code=f.get("code", "").upper()))
            return redirect(url_for(".agency_form", agency_id=new_id))
    with svc.db.read() as s:
        agency = svc.get(s, Agency, agency_id, "Agency") if agency_id else None
        if error is not None:
            values = _form()
            values["active"] = _checked("active")
        elif agency is not None:
            values = {"code": agency.code, "name": agency.name, "short_name": agency.short_name,
                      "sort_order": agency.sort_order, "active": agency.active}
        else:
            values = {"active": True}
        tickets = svc.tickets_of(s, Ticket.site_id, agency.site_id) if agency else 0
        return _page("agency_form.html", error, agency=agency, values=values,
                     version=svc.version(s, "agency", agency.id) if agency else "",
                     tickets=tickets)


# -- services --------------------------------------------------------------------------------
@bp.get("/admin/services")
@admin_page
def services() -> Any:
    """Every service with its prefix, standard, quota and hours."""
    svc = _svc()
    agency_id = query_id("agency")
    with svc.db.read() as s:
        rows = svc.services(s, agency_id)
        return _page("services.html", services=rows, agencies=svc.agencies(s),
                     agency_id=agency_id, hours_text=_hours_text)


def _hours_text(spec: Any) -> str:
    """Hours for people: "Sen–Jum 08:00-14:00; Sab–Min tutup"."""
    by_day = hours_by_day(spec)
    runs: list[tuple[str, str, str]] = []  # first day, last day, hours
    for d in hours.DAYS:
        if runs and runs[-1][2] == by_day[d]:
            runs[-1] = (runs[-1][0], d, by_day[d])
        else:
            runs.append((d, d, by_day[d]))

    def text(ranges: str) -> str:
        return {"00:00-24:00": _("24 jam"), "closed": _("tutup")}.get(ranges, ranges)

    if len(runs) == 1:
        return text(runs[0][2])
    return "; ".join(
        f"{DAY_SHORT[a]}{'' if a == b else '–' + str(DAY_SHORT[b])} {text(h)}"
        for a, b, h in runs)


def _service_values(sv: Service) -> dict[str, Any]:
    return {"agency_id": sv.agency_id, "code": sv.code, "name": sv.name, "name_en": sv.name_en,
            "prefix": sv.prefix, "description": sv.description,
            "requirements": "\n".join(sv.requirements or []),
            "procedure": "\n".join(sv.procedure or []), "legal_basis": sv.legal_basis,
            "product": sv.product, "complaints": sv.complaints,
            "requirements_en": "\n".join((sv.texts_en or {}).get("requirements") or []),
            "procedure_en": "\n".join((sv.texts_en or {}).get("procedure") or []),
            "product_en": (sv.texts_en or {}).get("product", ""),
            "complaints_en": (sv.texts_en or {}).get("complaints", ""),
            "sla_minutes": sv.sla_minutes, "fee": sv.fee, "fee_note": sv.fee_note,
            "daily_quota": sv.daily_quota, "issue_cutoff_minutes": sv.issue_cutoff_minutes,
            "priority_enabled": sv.priority_enabled,
            "regular_per_priority": sv.regular_per_priority, "active": sv.active,
            "booking_enabled": sv.booking is not None,
            "remote_join": bool(sv.remote_join),
            **{f"booking_{k}": v for k, v in (sv.booking or {}).items()},
            # a closed day reads "tutup" in the form ("closed" in English: both are understood)
            **{f"hours_{d}": _closed_word() if v == "closed" else v
               for d, v in hours_by_day(sv.hours).items()}}


def _closed_word() -> str:
    """The word for a closed day in the reader's language, when the hours parser reads it
    (mpp.domain.hours: "tutup" or "closed"); else "tutup"."""
    word = _("tutup")
    return word if word in ("tutup", "closed") else "tutup"


@bp.route("/admin/services/new", methods=["GET", "POST"])
@bp.route("/admin/services/<int:service_id>", methods=["GET", "POST"])
@admin_page
def service_form(service_id: int | None = None) -> Any:
    """Create or edit a service and its published service standard."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        data = {**f, "hours": {d: (f.get(f"hours_{d}") or "closed") for d in hours.DAYS},
                "priority_enabled": _checked("priority_enabled"), "active": _checked("active"),
                "booking_enabled": _checked("booking_enabled"),
                "remote_join": _checked("remote_join")}
        try:
            check_day_hours(f)   # a bad day's hours are named by their day
            new_id = svc.save_service(_actor(), service_id, data)
        except DomainError as exc:
            error = exc
        else:
            flash(_("Layanan %(code)s disimpan.", code=f.get("code", "").upper()))
            return redirect(url_for(".service_form", service_id=new_id))
    with svc.db.read() as s:
        service = svc.get(s, Service, service_id, "Service") if service_id else None
        if error is not None:
            values = _form()
            values["priority_enabled"] = _checked("priority_enabled")
            values["active"] = _checked("active")
            values["booking_enabled"] = _checked("booking_enabled")
            values["remote_join"] = _checked("remote_join")
        elif service is not None:
            values = _service_values(service)
        else:
            values = {"agency_id": query_id("agency"), "fee": 0,
                      "sla_minutes": 30, "priority_enabled": True, "regular_per_priority": 2,
                      "active": True, **{f"hours_{d}": _closed_word() if v == "tutup" else v
                         for d, v in NEW_SERVICE_HOURS.items()}}
        tickets = svc.tickets_of(s, Ticket.origin_service_id, service.id) if service else 0
        return _page("service_form.html", error, service=service, values=values,
                     version=svc.version(s, "service", service.id) if service else "",
                     agencies=svc.agencies(s), days=DAY_LABELS, tickets=tickets)


# -- counters --------------------------------------------------------------------------------
@bp.get("/admin/counters")
@admin_page
def counters() -> Any:
    """Every counter, the services it serves and who holds it now."""
    svc = _svc()
    with svc.db.read() as s:
        return _page("counters.html", counters=svc.counters(s))


@bp.route("/admin/counters/new", methods=["GET", "POST"])
@bp.route("/admin/counters/<int:counter_id>", methods=["GET", "POST"])
@admin_page
def counter_form(counter_id: int | None = None) -> Any:
    """Create or edit a counter and choose the services it serves."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            ids = [parse_id(x) for x in request.form.getlist("service_ids")]
            if None in ids:
                raise ValueError("not a service id")
            new_id = svc.save_counter(_actor(), counter_id, agency_id=f.get("agency_id") or 0,
                                      name=f.get("name", ""), service_ids=ids,
                                      spoken_name=f.get("spoken_name", ""),
                                      active=_checked("active"), version=f.get("version"))
        except ValueError:
            error = ValidationFailed("Unknown service chosen.", "invalid_service")
        except DomainError as exc:
            error = exc
        else:
            flash(_("Loket %(name)s disimpan.", name=f.get("name", "")))
            return redirect(url_for(".counter_form", counter_id=new_id))
    with svc.db.read() as s:
        counter = svc.get(s, Counter, counter_id, "Counter") if counter_id else None
        if error is not None:
            values = _form()
            values["service_ids"] = [i for i in map(parse_id, request.form.getlist("service_ids"))
                                     if i is not None]
            values["active"] = _checked("active")
        elif counter is not None:
            values = {"agency_id": counter.agency_id, "name": counter.name,
                      "spoken_name": counter.spoken_name, "active": counter.active,
                      "service_ids": [sv.id for sv in counter.services]}
        else:
            values = {"agency_id": query_id("agency"), "active": True,
                      "service_ids": []}
        return _page("counter_form.html", error, counter=counter, values=values,
                     version=svc.version(s, "counter", counter.id) if counter else "",
                     agencies=svc.agencies(s),
                     staff=counter.staff if counter is not None else None)


@bp.post("/admin/counters/<int:counter_id>/release")
@admin_page
def counter_release(counter_id: int) -> Any:
    """Close a counter its staff member left open."""
    try:
        _svc().release_counter(_actor(), counter_id)
    except DomainError as exc:
        flash(explain(exc).text, "error")
    else:
        flash(_("Loket ditutup."))
    return redirect(url_for(".counter_form", counter_id=counter_id))


# -- users -----------------------------------------------------------------------------------
@bp.get("/admin/users")
@admin_page
def users() -> Any:
    """Every user with role, agency and whether they can sign in."""
    svc = _svc()
    with svc.db.read() as s:
        return _page("users.html", users=svc.users(s), roles=ROLE_LABELS)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_page
def user_new() -> Any:
    """Create a user with a first password."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            if f.get("password") != f.get("password2"):
                raise ValidationFailed("The two passwords differ.", "password_mismatch")
            user_id = svc.create_user(_actor(), username=f.get("username", ""),
                                      password=f.get("password", ""), role=f.get("role", ""),
                                      agency_id=f.get("agency_id"),
                                      full_name=f.get("full_name", ""))
        except DomainError as exc:
            error = exc
        else:
            flash(_("Pengguna %(name)s dibuat.", name=f.get("username")))
            return redirect(url_for(".user_form", user_id=user_id))
    values = {k: v for k, v in _form().items() if not k.startswith("password")}
    with svc.db.read() as s:
        return _page("user_new.html", error, values=values or {"role": "staff"},
                     agencies=svc.agencies(s), roles=ROLE_LABELS)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_page
def user_form(user_id: int) -> Any:
    """Edit a user's role, agency and name; deactivate or reactivate."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            svc.update_user(_actor(), user_id, role=f.get("role", ""),
                            agency_id=f.get("agency_id"), full_name=f.get("full_name", ""),
                            active=_checked("active"), version=f.get("version"))
        except DomainError as exc:
            error = exc
        else:
            cut_user(user_id)  # a deactivated user's open pages stop at once
            flash(_("Pengguna disimpan."))
            return redirect(url_for(".user_form", user_id=user_id))
    with svc.db.read() as s:
        user = svc.get(s, User, user_id, "User")
        if error is not None:
            values = _form()
            values["active"] = _checked("active")
        else:
            values = {"role": user.role, "agency_id": user.agency_id,
                      "full_name": user.full_name, "active": user.active}
        return _page("user_form.html", error, user=user, values=values,
                     version=svc.version(s, "user", user.id),
                     agencies=svc.agencies(s), roles=ROLE_LABELS)


@bp.post("/admin/users/<int:user_id>/password")
@admin_page
def user_password(user_id: int) -> Any:
    """Set a new password for a user (their login tokens stop working)."""
    f = _form()
    try:
        if f.get("password") != f.get("password2"):
            raise ValidationFailed("The two passwords differ.", "password_mismatch")
        _svc().set_password(_actor(), user_id, f.get("password", ""))
    except DomainError as exc:
        flash(explain(exc).text, "error")
        return redirect(url_for(".user_form", user_id=user_id))
    cut_user(user_id)
    flash(_("Kata sandi baru disimpan."))
    return redirect(url_for(".user_form", user_id=user_id))


# -- devices ---------------------------------------------------------------------------------
@bp.get("/admin/devices")
@admin_page
def devices() -> Any:
    """Kiosks, displays and printers: their settings, tokens' state and last contact."""
    svc = _svc()
    with svc.db.read() as s:
        site = svc.site(s)
        rows = svc.devices(s)
        names = {d.id: d.name for d in rows}
        now = svc.clock.now()
        return _page("devices.html", devices=rows, kinds=KIND_LABELS, names=names,
                     status=device_status, presence=lambda d: device_presence(d, now),
                     when=lambda m: _local(m, ZoneInfo(site.timezone)))


#: a device heard from within this is online: kiosks call the API at least once a minute on
#: their first screen, and every device with a live socket is noted once a minute
#: (mpp.device_sockets); more than twice that without a word is offline
ONLINE_WITHIN = timedelta(minutes=2, seconds=30)


def device_presence(device: Device, now: datetime) -> tuple[str, str]:
    """Online or offline for people (a pill class: ok or off), from the last contact."""
    if device.revoked_at is not None:
        return "—", ""
    if device.last_seen_at is None:
        return _("belum pernah terhubung"), "off"
    if now - device.last_seen_at <= ONLINE_WITHIN:
        return _("online"), "ok"
    return _("offline"), "off"


def device_status(device: Device) -> tuple[str, str]:
    """A printer's last reported state for people, and a pill class (ok, off or "")."""
    if device.revoked_at is not None:
        return _("dicabut"), "off"
    if device.kind != "printer":
        return "—", ""
    state = device.state or {}
    if not state:
        return _("belum pernah melapor"), "off"
    if state.get("ready"):
        return _("siap"), "ok"
    if state.get("connected") is False:
        return _("agen cetak tidak terhubung"), "off"
    problem = state.get("error") or (_("kertas habis") if state.get("paper") == "out" else
                                     _("tidak siap"))
    return _("bermasalah: %(problem)s", problem=problem), "off"


def _device_settings_from_form() -> dict[str, Any]:
    return {"printer_device_id": request.form.get("printer_device_id") or None,
            "agencies": request.form.getlist("agencies"), "title": request.form.get("title"),
            "counter_id": request.form.get("counter_id") or None}


def _token_page(result: Any, rotated: bool) -> Any:
    with current_hall().db.read() as s:
        device = s.get(Device, result.device_id)
        tablet_counter = (device.settings or {}).get("counter_id") if device else None
    response = current_app.make_response(render_template(
        "admin/device_token.html", device=result, rotated=rotated, kinds=KIND_LABELS,
        public_url=current_app.config.get("PUBLIC_URL", ""), tablet_counter=tablet_counter))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/devices/new", methods=["GET", "POST"])
@admin_page
def device_new() -> Any:
    """Register a device; the page after shows its token once."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            result = svc.create_device(_actor(), name=f.get("name", ""), kind=f.get("kind", ""),
                                       settings=_device_settings_from_form())
        except DomainError as exc:
            error = exc
        else:
            return _token_page(result, rotated=False)
    with svc.db.read() as s:
        values = _form() or {"kind": request.args.get("kind", "kiosk")}
        values["agencies"] = request.form.getlist("agencies")
        return _page("device_form.html", error, device=None, values=values,
                     printers=[d for d in svc.devices(s) if d.kind == "printer"
                               and d.revoked_at is None],
                     agencies=svc.agencies(s), kinds=KIND_LABELS, counters=svc.counters(s))


@bp.route("/admin/devices/<int:device_id>", methods=["GET", "POST"])
@admin_page
def device_form(device_id: int) -> Any:
    """Rename a device or change its settings; revoke it or give it a new token."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            svc.update_device(_actor(), device_id, name=f.get("name", ""),
                              settings=_device_settings_from_form(), version=f.get("version"))
        except DomainError as exc:
            error = exc
        else:
            flash(_("Perangkat disimpan."))
            return redirect(url_for(".device_form", device_id=device_id))
    with svc.db.read() as s:
        device = svc.get(s, Device, device_id, "Device")
        site = svc.site(s)
        if error is not None:
            values = _form()
            values["agencies"] = request.form.getlist("agencies")
        else:
            values = {"name": device.name, "kind": device.kind,
                      "printer_device_id": (device.settings or {}).get("printer_device_id"),
                      "agencies": (device.settings or {}).get("agencies", []),
                      "title": (device.settings or {}).get("title", ""),
                      "counter_id": (device.settings or {}).get("counter_id")}
        return _page("device_form.html", error, device=device, values=values,
                     version=svc.version(s, "device", device.id),
                     printers=[d for d in svc.devices(s) if d.kind == "printer"
                               and d.revoked_at is None],
                     agencies=svc.agencies(s), kinds=KIND_LABELS, counters=svc.counters(s),
                     when=lambda m: _local(m, ZoneInfo(site.timezone)),
                     state=json.dumps(device.state or {}, ensure_ascii=False))


@bp.post("/admin/devices/<int:device_id>/revoke")
@admin_page
def device_revoke(device_id: int) -> Any:
    """Revoke a device's token at once."""
    _svc().revoke_device(_actor(), device_id)
    cut_device(device_id)
    flash(_("Token perangkat dicabut; perangkat ini tidak dapat terhubung lagi."))
    return redirect(url_for(".device_form", device_id=device_id))


@bp.post("/admin/devices/<int:device_id>/rotate")
@admin_page
def device_rotate(device_id: int) -> Any:
    """Give a device a new token (shown once); the old one stops working."""
    result = _svc().rotate_device(_actor(), device_id)
    cut_device(device_id)  # connections made with the old token end now
    return _token_page(result, rotated=True)


# -- holidays --------------------------------------------------------------------------------
@bp.route("/admin/holidays", methods=["GET", "POST"])
@admin_page
def holidays() -> Any:
    """The days the whole hall is closed; add one."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        try:
            try:
                day = date.fromisoformat(f.get("day", ""))
            except ValueError as exc:
                raise ValidationFailed("Give the date as YYYY-MM-DD.", "invalid_date") from exc
            svc.add_holiday(_actor(), day, f.get("name", ""))
        except DomainError as exc:
            error = exc
        else:
            flash(_("Hari libur %(day)s ditambahkan.", day=day.isoformat()))
            return redirect(url_for(".holidays"))
    with svc.db.read() as s:
        return _page("holidays.html", error, holidays=svc.holidays(s),
                     values=_form() if error else {})


@bp.post("/admin/holidays/<int:holiday_id>/delete")
@admin_page
def holiday_delete(holiday_id: int) -> Any:
    """Remove a holiday."""
    _svc().delete_holiday(_actor(), holiday_id)
    flash(_("Hari libur dihapus."))
    return redirect(url_for(".holidays"))


# -- site settings ---------------------------------------------------------------------------
@bp.route("/admin/settings", methods=["GET", "POST"])
@admin_page
def settings() -> Any:
    """Site name, logo, time zone, ticket footer, running text, Friday break, cut-off."""
    svc = _svc()
    error = None
    if request.method == "POST":
        f = _form()
        values = dict(f)
        logo: str | None = None
        upload = request.files.get("logo_file")
        try:
            if upload is not None and upload.filename:
                data = upload.read(300_001)
                if len(data) > 300_000:
                    raise ValidationFailed("The logo must be under 300 KB.", "logo_too_large")
                if not (upload.mimetype or "").startswith("image/"):
                    raise ValidationFailed("The logo must be an image (PNG, JPEG or SVG).",
                                           "invalid_logo")
                logo = f"data:{upload.mimetype};base64,{base64.b64encode(data).decode()}"
            elif _checked("remove_logo"):
                logo = ""
            elif f.get("logo_path", "").strip():
                logo = f["logo_path"].strip()
            if logo is not None:
                values["logo"] = logo
            svc.save_settings(_actor(), name=f.get("name", ""),
                              timezone=f.get("timezone", "").strip(), settings=values)
        except DomainError as exc:
            error = exc
        else:
            flash(_("Pengaturan disimpan."))
            return redirect(url_for(".settings"))
    with svc.db.read() as s:
        site = svc.site(s)
        if error is not None:
            values = _form()
            values.setdefault("logo", (site.settings or {}).get("logo", ""))
        else:
            values = {"name": site.name, "timezone": site.timezone, **(site.settings or {})}
            notify = (site.settings or {}).get("notifications") or {}
            values.update(notify_webhook_url=notify.get("webhook_url", ""),
                          notify_ahead=notify.get("ahead", ""))
            remote = remote_rules((site.settings or {}).get("remote_join"))
            values.update(remote_check_in_minutes=remote.check_in_minutes,
                          remote_per_phone=remote.per_phone)
        return _page("settings.html", error, site=site, values=values,
                     notify_secret_set=bool(((site.settings or {}).get("notifications")
                                             or {}).get("secret")))


# -- the site file ---------------------------------------------------------------------------
@bp.route("/admin/layout", methods=["GET", "POST"])
@admin_page
def layout() -> Any:
    """Upload a site file (the `mpp site load` TOML) or download the current one."""
    svc = _svc()
    error = None
    changes = None
    text = ""
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is not None and upload.filename:
                raw = upload.read(2_000_001)
                if len(raw) > 2_000_000:
                    raise ValidationFailed("The site file must be under 2 MB.", "too_large")
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValidationFailed("The site file must be UTF-8 text.",
                                           "invalid_toml") from exc
            else:
                text = request.form.get("text", "")
            if not text.strip():
                raise ValidationFailed("Choose a site file (.toml) or paste its text.",
                                       "missing_file")
            changes = svc.load_site_file(_actor(), text)
        except DomainError as exc:
            error = exc
    return _page("layout.html", error, changes=changes,
                 text=text if error is not None else "")


@bp.get("/admin/layout/export")
@admin_page
def layout_export() -> Any:
    """The whole layout as one TOML file, in the form `mpp site load` reads."""
    svc = _svc()
    with svc.db.read() as s:
        code = svc.site(s).code
    body = svc.export_site_file()
    inline = request.args.get("view") == "1"
    return Response(body, mimetype="application/toml" if not inline else "text/plain",
                    headers={} if inline else {
                        "Content-Disposition": f'attachment; filename="mpp-{code}.toml"'})


# -- audit log -------------------------------------------------------------------------------
AUDIT_PAGE = 100


@bp.get("/admin/audit")
@admin_page
def audit() -> Any:
    """Every administrative change: who, when, what (newest first)."""
    svc = _svc()
    page = query_page()
    entity = request.args.get("entity") or None
    with svc.db.read() as s:
        site = svc.site(s)
        rows, total = svc.audit_log(s, AUDIT_PAGE, (page - 1) * AUDIT_PAGE, entity)
        tz = ZoneInfo(site.timezone)
        entries = [{"at": _local(r.at, tz), "actor": r.actor, "action": r.action,
                    "entity": r.entity, "entity_id": r.entity_id,
                    "detail": json.dumps(r.detail, ensure_ascii=False, default=str)}
                   for r in rows]
        return _page("audit.html", entries=entries, total=total, page=page,
                     pages=max(1, -(-total // AUDIT_PAGE)), entity=entity,
                     entities=AUDIT_ENTITIES)


@bp.get("/admin/notifications")
@admin_page
def notifications() -> Any:
    """The notification log: each message to a citizen's phone (masked), its tries and the
    gateway's answers (newest first; mpp.services.notifications)."""
    with _svc().db.read() as s:
        configured = settings_of(_svc().site(s))
    return _page("notifications.html", entries=current_app.extensions["mpp_outbox"].log(),
                 webhook=None if configured is None else configured.webhook_url,
                 notification_states=NOTIFICATION_STATES)


@bp.get("/admin/audit.csv")
@admin_page
def audit_csv() -> Any:
    """The whole audit log (or one kind of record) as CSV, oldest first, for archiving."""
    import csv
    import io

    svc = _svc()
    entity = request.args.get("entity") or None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "entity", "entity_id", "detail"])
    with svc.db.read() as s:
        tz = ZoneInfo(svc.site(s).timezone)
        rows, _total = svc.audit_log(s, limit=1_000_000, entity=entity)
        for r in reversed(rows):
            writer.writerow([r.at.astimezone(tz).isoformat(), r.actor, r.action, r.entity,
                             r.entity_id, json.dumps(r.detail, ensure_ascii=False, default=str)])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="mpp-audit.csv"'})


# -- one's own password ----------------------------------------------------------------------
@bp.route("/account/password", methods=["GET", "POST"])
@_roles_page(*accounts.ROLES)
def account_password() -> Any:
    """Any signed-in user changes their own password."""
    error = None
    if request.method == "POST":
        f = _form()
        try:
            if f.get("new_password") != f.get("new_password2"):
                raise ValidationFailed("The two new passwords differ.", "password_mismatch")
            _svc().change_own_password(_actor(), f.get("current_password", ""),
                                       f.get("new_password", ""))
        except DomainError as exc:
            error = exc
        else:
            # The new password ends every session (its tokens are revoked); this browser
            # continues in a new one.
            begin_session(_actor().user_id or 0)
            flash(_("Kata sandi diganti."))
            return redirect(url_for(".account_password"))
    return _page("password.html", error)


@bp.app_template_filter("rupiah")
def rupiah(value: int | None) -> str:
    if not value:
        return _("Gratis")
    return "Rp" + f"{value:,}".replace(",", ".")
