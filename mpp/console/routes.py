"""``GET /console``: the page shell for staff; static/console.js does the rest through the
JSON API (session cookie + X-CSRFToken) and the /hall Socket.IO namespace."""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect, render_template, url_for
from flask_login import current_user

from . import bp
from .lang import choose_language, remember_language
from .texts import TEXTS

#: (action, keys, primary): the console's buttons in order, each with its shortcut keys
ACTIONS = (
    ("call_next", ("N",), True),
    ("finish_next", ("L", "Enter"), True),
    ("recall", ("U",), False),
    ("start", ("M",), False),
    ("finish", ("S",), False),
    ("no_show", ("K",), False),
    ("transfer", ("T",), False),
    ("reprint", ("P",), False),
)


@bp.get("/console")
def console() -> Any:
    """The counter console; staff only (others get a readable explanation)."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login", next="/console"))
    lang = choose_language()
    texts = TEXTS[lang]
    if current_user.role != "staff":
        html = render_template("console/not_staff.html", t=texts, lang=lang,
                               role=texts.get(f"role_{current_user.role}", current_user.role),
                               user=current_user.info)
        return remember_language(make_response(html, 403), lang)
    html = render_template("console/console.html", t=texts, texts=texts, lang=lang,
                           user=current_user.info, actions=ACTIONS)
    response = remember_language(make_response(html), lang)
    response.headers["Cache-Control"] = "no-store"
    return response
