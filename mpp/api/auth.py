"""Who is calling: a bearer token (device or login) or a browser session, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_login import current_user

from ..domain.actor import Actor
from ..domain.errors import Forbidden, Unauthorized
from ..extensions import csrf
from ..hall import current_hall
from ..services import accounts

F = TypeVar("F", bound=Callable[..., Any])

#: every role a caller can have
ALL_ROLES = ("admin", "manager", "staff", "kiosk", "display", "printer")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def current_actor() -> Actor | None:
    """The authenticated caller of this request, or None."""
    if "actor" in g:
        return g.actor
    actor: Actor | None = None
    token = bearer_token()
    if token is not None:
        hall = current_hall()
        # recently seen tokens come from this process's cache (accounts.TokenCache), for at
        # most MPP_DEVICE_RECHECK_SECONDS; a revocation in this process empties it at once
        actor = accounts.cached_actor_for_token(
            hall.db, hall.clock.now(), token, current_app.config["DEVICE_RECHECK_SECONDS"])
        if actor is None:
            raise Unauthorized("The token is unknown, revoked or expired.", "invalid_token")
        if actor.device_id is not None:
            accounts.note_device_seen(hall.db, actor.device_id, hall.clock.now())
    elif current_user.is_authenticated:
        actor = current_user.actor
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # A browser session rides on a cookie, so writes must carry the CSRF token.
            csrf.protect()
    g.actor = actor
    return actor


def requires(*roles: str) -> Callable[[F], F]:
    """Allow the view only to callers with one of ``roles`` (401 without auth, 403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                raise Unauthorized("Sign in or send a bearer token.", "auth_required")
            if actor.role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.",
                                "forbidden_role")
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
