"""Which web origins may open a Socket.IO connection: the site's own, and no other.

A browser sends the cookie of this site with a WebSocket opened by any page, so a page on
another origin could otherwise read the hall as the signed-in staff member. python-engineio
turns its origin check *off* for ``cors_allowed_origins=[]``; this module gives it a check
instead. Allowed: the origin of ``MPP_PUBLIC_URL``, the request's own ``Host`` (the address
the board or browser used, e.g. the server's LAN address), with ``X-Forwarded-Proto`` /
``X-Forwarded-Host`` when ``MPP_TRUSTED_PROXIES`` says a proxy sets them, and the origins
listed in ``MPP_ALLOWED_ORIGINS``. Clients that send no ``Origin`` (print agents,
python-socketio) are not browsers and are not affected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

OriginCheck = Callable[[str, dict[str, Any]], bool]


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, or None when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _first(value: str) -> str:
    return value.split(",")[0].strip()


def request_origins(environ: dict[str, Any], trust_forwarded: bool) -> set[str]:
    """The origins the request itself was addressed to."""
    host = environ.get("HTTP_HOST")
    if not host:
        return set()
    scheme = environ.get("wsgi.url_scheme", "http")
    found = {f"{scheme}://{host}".lower()}
    if trust_forwarded:
        proto = _first(environ.get("HTTP_X_FORWARDED_PROTO", "")) or scheme
        fwd_host = _first(environ.get("HTTP_X_FORWARDED_HOST", "")) or host
        found.add(f"{proto}://{fwd_host}".lower())
    return found


def same_site_origins(public_url: str, extra: Iterable[str] = (),
                      trust_forwarded: bool = False) -> OriginCheck:
    """The check for python-engineio's ``cors_allowed_origins`` (called with the Origin
    header and the WSGI environ): True only for this site's own origins."""
    fixed = {o for o in (origin_of(u) for u in [public_url, *extra]) if o}

    def allowed(origin: str, environ: dict[str, Any]) -> bool:
        if not origin:
            return True
        wanted = origin.strip().lower()
        return wanted in fixed or wanted in request_origins(environ, trust_forwarded)

    return allowed
