"""The one HTTP client of the JSON API of a live server (`mpp run`), as the demo devices and
the demo staff; the in-process tests use support/api.py's ``Api`` over Flask's test client."""

from __future__ import annotations

from typing import Any

import requests

from .api import device_token, password_of


class LiveApi:
    """``LiveApi(url).call_next("dukcapil1", counter_id)`` and friends, over real HTTP.
    ``call`` answers the raw response; ``ok``, ``get`` and ``post`` assert success and answer
    the JSON body."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}  # username -> bearer token (a test may add one)

    # -- raw and checked requests -----------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, token: str | None = None
             ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(method, f"{self.url}/api/v1{path}", json=body,
                                 headers=headers, timeout=10)

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        r = self.call(method, path, body, token)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json()

    def get(self, path: str, token: str | None = None) -> Any:
        return self.ok("GET", path, token=token)

    def post(self, path: str, token: str | None = None, body: Any = None) -> Any:
        return self.ok("POST", path, body, token)

    # -- who acts -----------------------------------------------------------------------------
    def device_token(self, name: str = "kiosk-1") -> str:
        return device_token(name)

    def login(self, username: str) -> str:
        """A bearer token of a demo user (or of a user made with the staff password)."""
        if username not in self._tokens:
            body = self.post("/auth/login", body={"username": username,
                                                  "password": password_of(username)})
            self._tokens[username] = body["token"]
        return self._tokens[username]

    staff_token = login

    # -- the layout ---------------------------------------------------------------------------
    def service_id(self, code: str) -> int:
        return next(s["id"] for s in self.get("/services")["services"] if s["code"] == code)

    def counter(self, name: str, agency: str | None = None) -> dict[str, Any]:
        return next(c for c in self.get("/counters")["counters"]
                    if c["name"] == name and agency in (None, c["agency"]["code"]))

    def counter_id(self, name: str, agency: str | None = None) -> int:
        return self.counter(name, agency)["id"]

    # -- the hall at work ---------------------------------------------------------------------
    def issue(self, code: str = "KTP", priority: bool = False) -> dict[str, Any]:
        """A ticket taken at kiosk-1."""
        return self.post("/tickets", self.device_token(), {
            "service_id": self.service_id(code), "priority": priority})["ticket"]

    def ticket(self, token: str) -> dict[str, Any]:
        return self.get(f"/tickets/by-token/{token}")["ticket"]

    def open_counter(self, username: str, name: str, agency: str | None = None) -> int:
        cid = self.counter_id(name, agency)
        self.post(f"/counters/{cid}/open", self.login(username))
        return cid

    def call_next(self, username: str, counter_id: int) -> dict[str, Any]:
        ticket = self.post(f"/counters/{counter_id}/call-next", self.login(username))["ticket"]
        assert ticket is not None, "nothing was waiting"
        return ticket

    def act(self, username: str, ticket_id: int, action: str, body: Any = None
            ) -> dict[str, Any]:
        return self.post(f"/tickets/{ticket_id}/{action}", self.login(username), body)["ticket"]
