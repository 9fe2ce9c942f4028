"""Browser sessions (Flask-Login): the signed-in user as an Actor."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import jsonify, redirect, request, url_for
from flask_login import UserMixin

from ..extensions import login_manager
from ..hall import current_hall
from ..models import User
from ..services.accounts import actor_for_user, user_dict


def password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


class SessionUser(UserMixin):
    """What Flask-Login keeps for a signed-in user."""

    def __init__(self, user: User):
        # The password's fingerprint in the session id ends other sessions on a password change.
        self.id = f"{user.id}:{password_fingerprint(user)}"
        self.actor = actor_for_user(user)
        self.info = user_dict(user)

    @property
    def role(self) -> str:
        return self.actor.role


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    uid_text, _, fingerprint = user_id.partition(":")
    try:
        uid = int(uid_text)
    except ValueError:
        return None
    with current_hall().db.read() as s:
        user = s.get(User, uid)
        if user is None or not user.active or fingerprint != password_fingerprint(user):
            return None
        user.agency  # noqa: B018  (load before the session closes)
        return SessionUser(user)


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "auth_required", "message": "Sign in first."}})
        response.status_code = 401
        return response
    return redirect(url_for("web.login", next=request.full_path))
