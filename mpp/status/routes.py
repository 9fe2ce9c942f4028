"""``GET /t/<token>``: the ticket's status, rendered on the server first, then kept live by
static/status.js over the ``/ticket`` Socket.IO namespace."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template

from ..console.lang import choose_language, remember_language
from ..domain.errors import NotFound
from ..hall import current_hall
from ..services.presenter import site_of
from . import bp
from .texts import FINAL, TEXTS

#: tokens are URL-safe random strings; anything longer is not one of ours
MAX_TOKEN = 128


def _site_name(lang: str) -> str:
    with current_hall().db.read() as s:
        site = site_of(s)
        if lang == "en":
            return (site.settings or {}).get("name_en") or site.name
        return site.name


def _near_ahead() -> int:
    """How few people ahead count as "near": the site's notification setting ``ahead``."""
    with current_hall().db.read() as s:
        table = (site_of(s).settings or {}).get("notifications") or {}
    ahead = table.get("ahead", 3) if isinstance(table, dict) else 3
    return ahead if isinstance(ahead, int) and not isinstance(ahead, bool) and ahead > 0 else 3


def _private(response: Any) -> Any:
    # The token in the URL is the citizen's key to the ticket: keep it out of caches,
    # referrers and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/t/<token>")
def ticket_status(token: str) -> Any:
    """The live status of one ticket, for whoever holds its token (the QR code)."""
    lang = choose_language()
    texts = TEXTS[lang]
    try:
        if len(token) > MAX_TOKEN:
            raise NotFound("No ticket has this token.", "ticket_not_found")
        ticket = current_hall().queue.ticket_by_token(token)
        # a ticket taken from a phone: its check-in code and deadline (mpp.services.remote_join)
        remote = current_hall().remote.for_ticket_token(token) if ticket.get("remote") else None
    except NotFound:
        html = render_template("status/not_found.html", t=texts, lang=lang,
                               site_name=_site_name(lang))
        return _private(remember_language(make_response(html, 404), lang))
    html = render_template("status/ticket.html", t=texts, texts=texts, lang=lang,
                           ticket=ticket, final=FINAL, site_name=_site_name(lang),
                           remote=remote, near_ahead=_near_ahead())
    return _private(remember_language(make_response(html), lang))
