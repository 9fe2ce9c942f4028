"""Thin views: the pages render a shell, their scripts read the JSON API with the session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..console.lang import choose_language, remember_language
from ..domain.booking_report import PUNCTUAL_MINUTES
from ..domain.errors import DomainError
from ..domain.ids import parse_id
from ..hall import current_hall
from ..i18n import section
from ..models import Agency, Counter
from ..services.presenter import site_of
from ..services.reports import ReportService, check_range, parse_day
from . import bp

F = TypeVar("F", bound=Callable[..., Any])
MANAGERS = ("manager", "admin")


def manager_page(view: F) -> F:
    """Managers and admins only: others sign in first, or get a 403 page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        if current_user.role not in MANAGERS:
            return render_template("error.html", message=_(
                "Halaman ini untuk manajer dan admin.")), 403
        return view(*args, **kwargs)

    wrapped.roles = MANAGERS  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def _page(template: str, **context: Any) -> Any:
    """A manager page in the reader's language (an explicit ``?lang=`` is remembered)."""
    return remember_language(make_response(render_template(template, **context)),
                             context["lang"])


def _context() -> dict[str, Any]:
    """The site, today's local date, the agencies the user may choose from, and the
    reader's language with the dashboard's texts (mpp/i18n catalogues, section
    ``dashboard``)."""
    hall = current_hall()
    with hall.db.read() as s:
        site = site_of(s)
        today = hall.clock.now().astimezone(ZoneInfo(site.timezone)).date()
        own = current_user.actor.agency_id
        stmt = select(Agency).where(Agency.site_id == site.id).order_by(Agency.sort_order,
                                                                        Agency.id)
        if own is not None:
            stmt = stmt.where(Agency.id == own)
        agencies = [{"id": a.id, "code": a.code, "name": a.short_name or a.name}
                    for a in s.scalars(stmt)]
        lang = choose_language()
        return {"site_name": site.name, "today": today.isoformat(), "agencies": agencies,
                "own_agency": own, "user": current_user.info, "lang": lang,
                "t": section("dashboard", lang), "within_minutes": PUNCTUAL_MINUTES}


@bp.get("/dashboard")
@manager_page
def dashboard() -> Any:
    """The manager dashboard: figures, charts, live view (filled by dashboard.js)."""
    return _page("dashboard/dashboard.html", **_context())


@bp.get("/dashboard/complaints")
@manager_page
def complaints() -> Any:
    """Complaints and their follow-up (filled by complaints.js)."""
    return _page("dashboard/complaints.html", **_context())


@bp.get("/reports/evidence")
@manager_page
def evidence() -> Any:
    """One printable page per period for the Ombudsman's compliance assessment."""
    ctx = _context()
    today = date.fromisoformat(ctx["today"])
    try:
        start = parse_day(request.args.get("from") or
                          today.replace(day=1).isoformat(), "from")
        end = parse_day(request.args.get("to") or today.isoformat(), "to")
        check_range(start, end)
        hall = current_hall()
        with hall.db.read() as s:
            scope = ReportService.resolve_scope(s, current_user.actor.agency_id,
                                                request.args.get("agency"))
        data = ReportService(hall.db, hall.clock).evidence(start, end, scope)
    except DomainError as exc:
        return render_template("error.html", message=exc.message), exc.status
    stats = {row["id"]: row for row in data["report"]["by_service"]}
    return _page("dashboard/evidence.html", ev=data, stats_by_service=stats, **ctx,
                           period_days=(end - start).days + 1,
                           prev_from=(start - (end - start) - timedelta(days=1)).isoformat(),
                           prev_to=(start - timedelta(days=1)).isoformat())


@bp.get("/pengaduan")
def complaint_form() -> Any:
    """The public complaint form (optionally about one ticket: ``?ticket=TOKEN``)."""
    hall = current_hall()
    with hall.db.read() as s:
        site = site_of(s)
        agencies = [{"id": a.id, "code": a.code, "name": a.short_name or a.name}
                    for a in s.scalars(select(Agency).where(Agency.site_id == site.id,
                                                            Agency.active.is_(True))
                                       .order_by(Agency.sort_order, Agency.id))]
    lang = choose_language()
    return _page("dashboard/complaint_form.html", site_name=site.name, agencies=agencies,
                 ticket_token=request.args.get("ticket", ""), lang=lang,
                 t=section("complaint", lang))


@bp.get("/rate")
def rate() -> Any:
    """The rating tablet at a counter (``?counter=ID&token=DISPLAY_TOKEN``): after each
    finished ticket it offers the SKM survey; the token authenticates its live link."""
    hall = current_hall()
    raw = request.args.get("counter", "")
    with hall.db.read() as s:
        site = site_of(s)
        counter_id = parse_id(raw)
        counter = s.get(Counter, counter_id) if counter_id is not None else None
        if counter is None:
            return render_template("error.html", message=_(
                "Sebutkan loketnya: /rate?counter=ID#token=TOKEN.")), 404
        name = counter.name
        cid = counter.id
    lang = "en" if request.args.get("lang") == "en" else "id"
    return render_template("dashboard/rate.html", site_name=site.name, counter_name=name,
                           counter_id=cid, lang=lang, ticket={"token": ""})
