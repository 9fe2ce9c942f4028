"""Browser-style sessions over Flask's test client: sign in through /login with the CSRF
token, post forms with it, and read the token pages send as X-CSRFToken."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from .api import password_of


def csrf_token(client: FlaskClient) -> str:
    return client.get("/api/v1/session").get_json()["csrf_token"]


def sign_in(client: FlaskClient, username: str, password: str | None = None) -> Any:
    """Sign in with the login form; returns the response (302 on success)."""
    return client.post("/login", data={
        "username": username, "password": password or password_of(username),
        "csrf_token": csrf_token(client)})


def post_form(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
              **kwargs: Any) -> Any:
    """POST a form as a page would, with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


def flashes(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip()
            for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)]
