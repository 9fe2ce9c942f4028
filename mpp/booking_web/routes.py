"""The booking pages: each reads or acts through BookingService and renders a template."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from flask import Response, make_response, redirect, render_template, request, url_for

from ..api.bookings import booking_limit
from ..console.lang import choose_language, remember_language
from ..domain.errors import DomainError, NotFound
from ..hall import current_hall
from ..i18n import Section
from ..services.presenter import site_of
from ..services.remote_join import rules_of_site
from . import bp

TEXTS = Section("booking")
#: tokens are URL-safe random strings; anything longer is not one of ours
MAX_TOKEN = 128


def said(message: str, lang: str) -> str:
    """A refusal's message in the reader's language (messages are "Indonesian / English")."""
    parts = message.split(" / ", 1)
    return parts[1] if lang == "en" and len(parts) == 2 else parts[0]


def _private(response: Any) -> Any:
    # the token in the URL is the citizen's key to the booking
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _site() -> dict[str, Any]:
    hall = current_hall()
    with hall.db.read() as s:
        site = site_of(s)
        tz = ZoneInfo(site.timezone)
        return {"name": site.name, "name_en": (site.settings or {}).get("name_en") or site.name,
                "today": hall.clock.now().astimezone(tz).date()}


def _page(template: str, lang: str, status: int = 200, **context: Any) -> Any:
    site = _site()
    html = render_template(template, t=TEXTS[lang], lang=lang, today=site["today"],
                           site_name=site["name_en"] if lang == "en" else site["name"],
                           **context)
    return _private(remember_language(make_response(html, status), lang))


def _services() -> list[dict[str, Any]]:
    return [s for s in current_hall().queue.services() if s.get("booking")]


def _offered() -> list[dict[str, Any]]:
    """The services the public pages offer: those taking bookings or remote tickets."""
    return [s for s in current_hall().queue.services()
            if s.get("booking") or s.get("remote_join")]


def _remote_minutes() -> int:
    with current_hall().db.read() as s:
        return rules_of_site(site_of(s)).check_in_minutes


def _service(service_id: int) -> dict[str, Any]:
    for s in current_hall().queue.services():
        if s["id"] == service_id and s.get("booking"):
            return s
    raise NotFound("This service takes no bookings.", "service_not_found")


def _days(service: dict[str, Any], today: date) -> list[date]:
    return [today + timedelta(days=n) for n in range(service["booking"]["days_ahead"] + 1)]


def _open_slots(service_id: int, day: date) -> list[dict[str, Any]]:
    """The day's slots the page offers: those that have not ended (full ones shown)."""
    hall = current_hall()
    now = hall.clock.now()
    return [s for s in hall.bookings.slots(service_id, day)["slots"]
            if datetime.fromisoformat(s["end"]) > now]


def _chosen_day(days: list[date]) -> date:
    try:
        day = date.fromisoformat(request.values.get("date", ""))
    except ValueError:
        return days[0]
    return day if day in days else days[0]


@bp.get("/booking")
def choose_service() -> Any:
    """Every service that takes bookings, by agency."""
    lang = choose_language()
    return _page("booking/services.html", lang, services=_offered())


def _booking_form(service_id: int, lang: str, status: int = 200, error: str | None = None,
                  form: dict[str, str] | None = None) -> Any:
    try:
        service = _service(service_id)
    except NotFound:
        return _page("booking/not_found.html", lang, 404)
    days = _days(service, _site()["today"])
    day = _chosen_day(days)
    slots = _open_slots(service_id, day)
    return _page("booking/book.html", lang, status, service=service, days=days, day=day,
                 slots=slots, error=error, form=form or {},
                 here=url_for("booking.book_form", service_id=service_id))


@bp.get("/booking/<int:service_id>")
def book_form(service_id: int) -> Any:
    """One service's standard, its days and slots, and the form to book one."""
    return _booking_form(service_id, choose_language())


@bp.post("/booking/<int:service_id>")
@booking_limit
def book(service_id: int) -> Any:
    """Book the chosen slot; on to the booking's page, or the form again with the refusal."""
    lang = choose_language()
    form = {k: request.form.get(k, "").strip() for k in ("start", "name", "phone", "date")}
    if not form["start"]:
        return _booking_form(service_id, lang, 422, TEXTS[lang]["err_no_slot"], form)
    if not form["name"] or len(form["name"]) > 200:
        return _booking_form(service_id, lang, 422, TEXTS[lang]["err_name"], form)
    if len(form["phone"]) > 40:
        return _booking_form(service_id, lang, 422, TEXTS[lang]["err_phone"], form)
    try:
        booking = current_hall().bookings.book(service_id, form["start"], form["name"],
                                               form["phone"])
    except DomainError as exc:
        return _booking_form(service_id, lang, exc.status, said(exc.message, lang), form)
    return redirect(url_for("booking.follow", token=booking["token"], lang=lang), 303)


# -- remote join: a ticket for today from the phone, checked in at the hall ----------------
def _remote_form(service_id: int, lang: str, status: int = 200, error: str | None = None,
                 form: dict[str, str] | None = None) -> Any:
    service = next((s for s in current_hall().queue.services()
                    if s["id"] == service_id and s.get("remote_join")), None)
    if service is None:
        return _page("booking/not_found.html", lang, 404)
    return _page("booking/remote.html", lang, status, service=service, error=error,
                 form=form or {}, minutes=_remote_minutes(),
                 here=url_for("booking.remote_form", service_id=service_id))


@bp.get("/booking/<int:service_id>/remote")
def remote_form(service_id: int) -> Any:
    """Join today's queue of a service from the phone: its standard, the rule, the form."""
    return _remote_form(service_id, choose_language())


@bp.post("/booking/<int:service_id>/remote")
@booking_limit
def remote_join(service_id: int) -> Any:
    """Take the ticket; on to its status page (which says to check in, and by when)."""
    lang = choose_language()
    form = {k: request.form.get(k, "").strip() for k in ("name", "phone")}
    if len(form["name"]) > 200:
        return _remote_form(service_id, lang, 422, TEXTS[lang]["err_name"], form)
    if not form["phone"]:
        return _remote_form(service_id, lang, 422, TEXTS[lang]["err_phone_required"], form)
    if len(form["phone"]) > 40:
        return _remote_form(service_id, lang, 422, TEXTS[lang]["err_phone"], form)
    try:
        joined = current_hall().remote.join(service_id, form["phone"], form["name"])
    except DomainError as exc:
        return _remote_form(service_id, lang, exc.status, said(exc.message, lang), form)
    return redirect(f"{joined['ticket']['status_url']}?lang={lang}", 303)


@bp.get("/t/<token>/check-in.svg")
def remote_qr(token: str) -> Any:
    """A remote ticket's check-in QR code: its code, which a kiosk's camera or scanner reads
    (404 for any other ticket)."""
    if len(token) > MAX_TOKEN:
        return Response(status=404)
    remote = current_hall().remote.for_ticket_token(token)
    if remote is None:
        return Response(status=404)
    return _private(Response(qr_svg(remote["code"]), mimetype="image/svg+xml"))


def qr_svg(data: str) -> bytes:
    """A QR code of ``data`` as SVG."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(data)
    code.make(fit=True)
    buf = io.BytesIO()
    code.make_image().save(buf)
    return buf.getvalue()


def _follow_page(token: str, lang: str, status: int = 200, error: str | None = None,
                 notice: str | None = None) -> Any:
    try:
        if len(token) > MAX_TOKEN:
            raise NotFound("No booking has this token.", "booking_not_found")
        booking = current_hall().bookings.get(token)
    except NotFound:
        return _page("booking/not_found.html", lang, 404)
    days: list[date] = []
    slots: list[dict[str, Any]] = []
    day = None
    if booking["status"] == "booked":
        service = next((s for s in _services() if s["id"] == booking["service"]["id"]), None)
        if service is not None:
            days = _days(service, _site()["today"])
            day = _chosen_day(days) if request.values.get("date") else \
                date.fromisoformat(booking["date"])
            if day not in days:
                day = days[0]
            slots = _open_slots(service["id"], day)
    done = request.args.get("done")
    if notice is None and done in ("moved", "cancelled"):
        notice = TEXTS[lang][f"{done}_notice"]
    return _page("booking/follow.html", lang, status, booking=booking, days=days, day=day,
                 slots=slots, error=error, notice=notice,
                 here=url_for("booking.follow", token=token))


@bp.get("/b/<token>")
def follow(token: str) -> Any:
    """The booking: its code large with a QR, when to come, cancel or move it."""
    return _follow_page(token, choose_language())


@bp.post("/b/<token>/cancel")
def cancel(token: str) -> Any:
    """Cancel the booking (its place is free again)."""
    lang = choose_language()
    try:
        current_hall().bookings.cancel(token)
    except DomainError as exc:
        return _follow_page(token, lang, exc.status, said(exc.message, lang))
    return redirect(url_for("booking.follow", token=token, lang=lang, done="cancelled"), 303)


@bp.post("/b/<token>/move")
def move(token: str) -> Any:
    """Move the booking to the chosen slot."""
    lang = choose_language()
    start = request.form.get("start", "")
    if not start:
        return _follow_page(token, lang, 422, TEXTS[lang]["err_no_slot"])
    try:
        current_hall().bookings.move(token, start)
    except DomainError as exc:
        return _follow_page(token, lang, exc.status, said(exc.message, lang))
    return redirect(url_for("booking.follow", token=token, lang=lang, done="moved"), 303)


@bp.get("/b/<token>/qr.svg")
def qr(token: str) -> Any:
    """The booking's QR code: its code, which a kiosk's scanner types."""
    if len(token) > MAX_TOKEN:
        return Response(status=404)
    try:
        booking = current_hall().bookings.get(token)
    except NotFound:
        return Response(status=404)
    return _private(Response(qr_svg(booking["code"]), mimetype="image/svg+xml"))

