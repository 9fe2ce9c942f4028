"""Security headers on every answer (the nginx site adds HSTS, see deploy/nginx.conf).

- ``Content-Security-Policy``: scripts, styles' files, images, audio and connections from
  this site only; no inline script (pages declare behaviour in data attributes, see
  ``static/page.js``); no plugins; forms post only here; ``frame-ancestors 'none'``: no
  other site may frame the rating tablet, the boards or the consoles.
- ``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` (older browsers).
- ``Referrer-Policy: same-origin``, and ``no-referrer`` on the pages whose address can
  carry a token (a ticket's status page, the kiosk, the board, the rating tablet).
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # inline style attributes and <style> blocks are used by the pages; no inline script
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
#: pages whose address may carry a ticket's or a device's token
TOKEN_PAGES = ("/t/", "/kiosk", "/display", "/rate")


def add_security_headers(response: Response) -> Response:
    """Set the headers above on one answer (kept where a view set its own)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    policy = "no-referrer" if request.path.startswith(TOKEN_PAGES) else "same-origin"
    headers.setdefault("Referrer-Policy", policy)
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
