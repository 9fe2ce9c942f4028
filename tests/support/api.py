"""A small client for the JSON API over Flask's test client, with the demo credentials."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from mpp.services.demo import DEMO_USERS, demo_device_token

from .databases import TEST_SECRET

#: the demo users' passwords (mpp/services/demo.py), the one place tests read them from
PASSWORDS = {u.username: u.password for u in DEMO_USERS}
STAFF_PASSWORD = "petugas-mpp"  # the demo staff's, also given to users a test makes


def password_of(username: str) -> str:
    """A demo user's password, else the staff password (users a test adds use it)."""
    return PASSWORDS.get(username, STAFF_PASSWORD)


def device_token(name: str = "kiosk-1") -> str:
    """A demo device's token in the test databases (derived from the test secret)."""
    return demo_device_token(TEST_SECRET, name)


@dataclass
class Response:
    status: int
    body: Any

    @property
    def error(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None


class Api:
    """``api.post("/tickets", {...}, token=...)`` gives a Response(status, body)."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self._tokens: dict[str, str] = {}

    def device_token(self, name: str = "kiosk-1") -> str:
        return device_token(name)

    def login(self, username: str, password: str | None = None) -> str:
        if username not in self._tokens:
            r = self.post("/auth/login", {"username": username,
                                          "password": password or password_of(username)})
            assert r.status == 200, r.body
            self._tokens[username] = r.body["token"]
        return self._tokens[username]

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                raw: bytes | str | None = None) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else (None if body is None else jsonlib.dumps(body))
        if data is not None:
            headers["Content-Type"] = "application/json"
        r = self.client.open(f"/api/v1{path}", method=method, data=data, headers=headers)
        return Response(r.status_code, r.get_json(silent=True))

    def get(self, path: str, token: str | None = None) -> Response:
        return self.request("GET", path, token=token)

    def post(self, path: str, body: Any = None, token: str | None = None,
             raw: bytes | str | None = None) -> Response:
        return self.request("POST", path, body, token, raw)

    # -- shortcuts for the common flows -------------------------------------------------
    def service_id(self, code: str) -> int:
        for s in self.get("/services").body["services"]:
            if s["code"] == code:
                return s["id"]
        raise KeyError(code)

    def counter_id(self, name: str) -> int:
        for c in self.get("/counters").body["counters"]:
            if c["name"] == name:
                return c["id"]
        raise KeyError(name)

    def issue(self, code: str = "KTP", **extra: Any) -> dict[str, Any]:
        r = self.post("/tickets", {"service_id": self.service_id(code), **extra},
                      token=self.device_token())
        assert r.status == 201, r.body
        return r.body["ticket"]

    def open_counter(self, username: str, counter: str) -> int:
        cid = self.counter_id(counter)
        r = self.post(f"/counters/{cid}/open", token=self.login(username))
        assert r.status == 200, r.body
        return cid
