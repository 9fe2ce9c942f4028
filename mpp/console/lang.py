"""The reader's language for the console and status pages: Indonesian, English at a tap."""

from __future__ import annotations

from flask import Response, request

from ..i18n import languages

COOKIE = "mpp_lang"


def choose_language() -> str:
    """``?lang=`` when given and known (a language with a catalogue, mpp/i18n), else the
    remembered choice, else Indonesian."""
    known = languages()
    asked = request.args.get("lang", "")
    if asked in known:
        return asked
    kept = request.cookies.get(COOKIE, "")
    return kept if kept in known else "id"


def remember_language(response: Response, lang: str) -> Response:
    """Keep an explicit ``?lang=`` choice for the next visits (a year, this site only)."""
    if request.args.get("lang") == lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response
