"""The kiosk page. Everything after the first load goes through the JSON API with the
kiosk's device token (kept in the browser's localStorage after ``/kiosk?token=...``)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from mpp.hall import current_hall
from mpp.i18n import DEFAULT, catalogue, languages, section
from mpp.services.presenter import site_of

from . import bp

#: seconds without a touch before the kiosk returns to its first screen
DEFAULT_IDLE_SECONDS = 45


def idle_seconds(raw: str | None) -> int:
    """``?idle=N`` (2 to 600 seconds) for the idle reset; the default otherwise."""
    try:
        value = int(raw) if raw else DEFAULT_IDLE_SECONDS
    except ValueError:
        return DEFAULT_IDLE_SECONDS
    return min(max(value, 2), 600)


@bp.get("")
def kiosk() -> Any:
    """The kiosk: ``/kiosk?token=KIOSK_DEVICE_TOKEN[&idle=SECONDS][&lang=en]``."""
    with current_hall().db.read() as s:
        site = site_of(s)
        names = {"id": site.name, "en": (site.settings or {}).get("name_en") or site.name}
        timezone = site.timezone
    lang = request.args.get("lang", "")
    lang = lang if lang in languages() else DEFAULT
    # every language's texts (the toggle goes round them), each with its own name
    texts = {code: {**section("kiosk", code), "_language": catalogue(code).get("_language", code)}
             for code in languages()}
    return render_template("kiosk/kiosk.html", lang=lang, site_names=names, timezone=timezone,
                           idle=idle_seconds(request.args.get("idle")),
                           texts={"languages": list(languages()), "texts": texts})
