"""The reader's language for the console and status pages: Indonesian, English at a tap."""

from __future__ import annotations

from flask import Response, request

LANGUAGES = ("id", "en")
COOKIE = "mpp_lang"


def choose_language() -> str:
    """``?lang=`` when given and known, else the remembered choice, else Indonesian."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(COOKIE, "")
    return kept if kept in LANGUAGES else "id"


def remember_language(response: Response, lang: str) -> Response:
    """Keep an explicit ``?lang=`` choice for the next visits (a year, this site only)."""
    if request.args.get("lang") == lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response
