"""The home page and the service standards: read through QueueService, worded here."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template

from ..console.lang import choose_language, remember_language
from ..hall import current_hall
from ..i18n import Section
from . import bp

TEXTS = Section("public")
#: the kiosk's words for the week and for why a service is closed, shared by these pages
KIOSK = Section("kiosk")
SHARED = ("days", "reasons", "hours_24", "hours_closed", "time_separator")


def texts(lang: str) -> dict[str, Any]:
    """The public pages' texts in ``lang``, with the kiosk's for hours and closed reasons."""
    kiosk = KIOSK[lang]
    return {**{key: kiosk[key] for key in SHARED}, **TEXTS[lang]}


ALWAYS = [["00:00", "24:00"]]


def hours_words(groups: list[dict[str, Any]], t: dict[str, Any]) -> str:
    """A service's week (``hours_week``) in words: "Senin–Kamis 08.00–14.00 · Jumat
    08.00–11.30, 13.00–14.00 · Sabtu–Minggu tutup", or "Buka 24 jam"."""
    if not groups:
        return ""
    if len(groups) == 1 and groups[0]["ranges"] == ALWAYS:
        return str(t["hours_24"])
    days, sep = t["days"], t["time_separator"]

    def time(hhmm: str) -> str:
        return hhmm.replace(":", sep)

    parts = []
    for g in groups:
        when = days[g["from"]] if g["from"] == g["to"] else f"{days[g['from']]}–{days[g['to']]}"
        ranges = ", ".join(f"{time(a)}–{time(b)}" for a, b in g["ranges"]) or t["hours_closed"]
        parts.append(f"{when} {ranges}")
    return " · ".join(parts)


def _in_language(service: dict[str, Any], lang: str) -> dict[str, Any]:
    """The standard's texts in ``lang`` where the service has them, else Indonesian."""
    texts = service["texts_en"] if lang == "en" else {}
    pick = {key: texts.get(key) or service[key]
            for key in ("requirements", "procedure", "product", "complaints")}
    return {**service, **pick, "shown_name": service["name_en"] if lang == "en"
            else service["name"]}


def wait_words(low: int | None, high: int | None, issuing: bool, open_counters: int,
               t: dict[str, Any]) -> str:
    """What a ticket taken now would wait, in words: "± 15 menit", "5–20 menit" (an agency's
    services differ), "segera", "belum ada loket buka", or "" when it takes no ticket now."""
    if not issuing:
        return ""
    if high is None or low is None:
        return str(t["no_counter"]) if open_counters == 0 else "—"
    if high == 0:
        return str(t["wait_now"])
    if low == high:
        return str(t["wait_about"]).format(n=high)
    return str(t["wait_between"]).format(low=low, high=high)


def _agencies(services: list[dict[str, Any]], counts: dict[str, Any], lang: str,
              t: dict[str, Any]) -> list[dict[str, Any]]:
    """The services in use, by agency in the hall's order, each with the queue now (the
    boards' counts and estimates, mpp.services.outlook)."""
    by_service = {row["service_id"]: row for row in counts["services"]}
    by_agency = {row["agency_id"]: row for row in counts["agencies"]}
    agencies: dict[int, dict[str, Any]] = {}
    for s in services:
        if s["closed_reason"] == "inactive":
            continue
        now = by_service.get(s["id"], {})
        wait = now.get("estimated_wait_minutes")
        agency = agencies.setdefault(s["agency"]["id"], {**s["agency"], "services": []})
        agency["services"].append({
            **_in_language(s, lang),
            "wait": wait_words(wait, wait, s["open"], now.get("open_counters", 0), t)})
    for a in agencies.values():
        a["open"] = sum(1 for s in a["services"] if s["open"])
        a["waiting"] = sum(s["waiting"] for s in a["services"])
        now = by_agency.get(a["id"], {})
        a["wait"] = wait_words(now.get("estimated_wait_minutes_min"),
                               now.get("estimated_wait_minutes"), bool(a["open"]),
                               now.get("open_counters", 0), t)
    return list(agencies.values())


def _page(template: str, **context: Any) -> Any:
    lang = choose_language()
    hall = current_hall()
    english = lang == "en"
    with hall.db.read() as s:  # one transaction, one presenter: each count read once
        p = hall.queue.presenter(s)
        settings = p.site.settings or {}
        site_name = (settings.get("name_en") or p.site.name) if english else p.site.name
        services = hall.queue.presented_services(p)
        counts = p.queue_counts()
    t = texts(lang)
    html = render_template(
        template, t=t, lang=lang, site_name=site_name,
        address=settings.get("address", ""),
        # the service pledge (maklumat pelayanan) as the hall displays it
        pledge=(settings.get("pledge_en") if english else None) or settings.get("pledge", ""),
        agencies=_agencies(services, counts, lang, t), hours_words=hours_words, **context)
    return remember_language(make_response(html), lang)


@bp.get("/")
def home() -> Any:
    """The hall today, and the way to every page."""
    return _page("public/home.html", here="/")


@bp.get("/layanan")
def standards() -> Any:
    """Every service's published standard, by agency."""
    return _page("public/standards.html", here="/layanan")
