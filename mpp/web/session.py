"""Browser sessions (Flask-Login): the signed-in user as an Actor.

The session cookie holds the user's id and a session token whose hash is an ``auth_token``
row (mpp.services.accounts.start_session). Every request checks that row: logging out,
deactivating the user or resetting the password revokes it, so a copy of the cookie taken
before then no longer works.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import jsonify, redirect, request, url_for
from flask_login import UserMixin

from ..domain.ids import parse_id
from ..extensions import login_manager
from ..hall import current_hall
from ..models import User
from ..services.accounts import actor_for_user, session_user, token_digest, user_dict


def password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


class SessionUser(UserMixin):
    """What Flask-Login keeps for a signed-in user."""

    def __init__(self, user: User, session_token: str):
        # The password's fingerprint in the session id ends other sessions on a password
        # change even before their tokens are revoked.
        self.id = f"{user.id}:{password_fingerprint(user)}:{session_token}"
        self.actor = actor_for_user(user)
        self.info = user_dict(user)
        self.session_token = session_token

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def token_hash(self) -> str:
        """The hash of this session's token (how its sockets are re-checked)."""
        return token_digest(self.session_token)


def begin_session(user_id: int) -> SessionUser:
    """Sign the user in to this browser with a new server-side session."""
    from flask import current_app, session
    from flask_login import login_user

    from ..services.accounts import start_session

    hall = current_hall()
    lifetime = current_app.permanent_session_lifetime
    with hall.db.write() as s:
        user = s.get(User, user_id)
        assert user is not None
        token = start_session(s, hall.clock.now(), user, lifetime)
        user.agency  # noqa: B018  (load before the session closes)
        signed_in = SessionUser(user, token)
    session.permanent = True
    login_user(signed_in)
    return signed_in


def end_session(user: SessionUser) -> None:
    """Revoke this browser session on the server (its cookie, wherever copied, stops
    working) and cut its live sockets in this process."""
    from flask import session
    from flask_login import logout_user

    from ..device_sockets import device_sockets
    from ..services.accounts import revoke_token

    hall = current_hall()
    with hall.db.write() as s:
        revoke_token(s, hall.clock.now(), user.session_token)
    logout_user()
    session.clear()
    device_sockets().check(user_ids={user.actor.user_id or 0})


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    uid_text, fingerprint, token = (user_id.split(":", 2) + ["", ""])[:3]
    uid = parse_id(uid_text)
    if uid is None or not token:
        return None
    hall = current_hall()
    with hall.db.read() as s:
        user = session_user(s, hall.clock.now(), uid, token)
        if user is None or fingerprint != password_fingerprint(user):
            return None
        user.agency  # noqa: B018  (load before the session closes)
        return SessionUser(user, token)


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "auth_required", "message": "Sign in first."}})
        response.status_code = 401
        return response
    return redirect(url_for("web.login", next=request.full_path))
