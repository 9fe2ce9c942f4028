"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
#: counts live in RATELIMIT_STORAGE_URI (Redis when configured, so all workers share them)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
F = TypeVar("F", bound=Callable[..., Any])


def no_rate_limit(view: F) -> F:
    """Mark a view that has no rate limit of its own (the hot API routes: issue, call-next,
    the held-ticket actions). The limiter then skips its per-request bookkeeping there,
    which costs about as much as a bare Flask request; there are no default limits, so this
    changes nothing else. Never put it on a view decorated with a limit: it would lift it."""
    view.mpp_no_rate_limit = True  # type: ignore[attr-defined]
    return view


@limiter.request_filter
def _unlimited_view() -> bool:
    """The limiter's filter: True (nothing to count) for views marked :func:`no_rate_limit`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "mpp_no_rate_limit", False)


#: what a client sees after too many sign-in attempts (HTTP 429)
LOGIN_LIMIT_MESSAGE = ("Terlalu banyak percobaan masuk dari alamat ini; tunggu satu menit lalu "
                       "coba lagi. / Too many sign-in attempts from this address; wait a "
                       "minute and try again.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


#: one budget of sign-in attempts per client address, shared by the login page and
#: ``POST /api/v1/auth/login`` (so that trying both does not double it)
login_limit = limiter.shared_limit(_login_limit, scope="login",
                                   key_func=lambda: request.remote_addr or "?",
                                   methods=["POST"], error_message=LOGIN_LIMIT_MESSAGE)
