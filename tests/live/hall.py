"""A small HTTP client for a live server: issue tickets as the demo kiosk, act as staff,
and connect Socket.IO clients to /hall."""

from __future__ import annotations

import queue
import time
from typing import Any

import requests
import socketio

from mpp.services.demo import demo_device_token

from ..support.databases import TEST_SECRET

STAFF_PASSWORD = "petugas-mpp"


class HallApi:
    """``HallApi(url).call_next("dukcapil1", "Loket 1")`` and friends, over real HTTP."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}

    def device_token(self, name: str = "kiosk-1") -> str:
        return demo_device_token(TEST_SECRET, name)

    def staff_token(self, username: str) -> str:
        if username not in self._tokens:
            r = self.http.post(f"{self.url}/api/v1/auth/login",
                               json={"username": username, "password": STAFF_PASSWORD}, timeout=10)
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["token"]
        return self._tokens[username]

    def post(self, path: str, token: str, body: Any = None) -> Any:
        r = self.http.post(f"{self.url}/api/v1{path}", json=body,
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code in (200, 201), (path, r.status_code, r.text)
        return r.json()

    def get(self, path: str) -> Any:
        r = self.http.get(f"{self.url}/api/v1{path}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def service_id(self, code: str) -> int:
        return next(s["id"] for s in self.get("/services")["services"] if s["code"] == code)

    def counter(self, name: str, agency: str = "DUKCAPIL") -> dict[str, Any]:
        return next(c for c in self.get("/counters")["counters"]
                    if c["name"] == name and c["agency"]["code"] == agency)

    def issue(self, code: str = "KTP") -> dict[str, Any]:
        return self.post("/tickets", self.device_token(), {"service_id": self.service_id(code)})[
            "ticket"]

    def open_counter(self, username: str, name: str, agency: str = "DUKCAPIL") -> int:
        cid = self.counter(name, agency)["id"]
        self.post(f"/counters/{cid}/open", self.staff_token(username))
        return cid

    def call_next(self, username: str, counter_id: int) -> dict[str, Any]:
        ticket = self.post(f"/counters/{counter_id}/call-next", self.staff_token(username))[
            "ticket"]
        assert ticket is not None, "nothing was waiting"
        return ticket

    def act(self, username: str, ticket_id: int, action: str) -> dict[str, Any]:
        return self.post(f"/tickets/{ticket_id}/{action}", self.staff_token(username))["ticket"]


class HallListener:
    """A python-socketio client on /hall that queues every event it receives."""

    def __init__(self, url: str, token: str | None, **auth: Any):
        self.extra_auth = auth  # e.g. counter=ID: a rating tablet following its counter
        self.events: queue.Queue[tuple[str, Any, float]] = queue.Queue()
        self.heard: list[tuple[str, Any]] = []  # every event, also those next() skipped
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace="/hall")
        self.url = url
        self.token = token

    def _record(self, event: str, data: Any = None) -> None:
        self.heard.append((event, data))
        self.events.put((event, data, time.monotonic()))

    def connect(self) -> HallListener:
        auth = {"token": self.token, **self.extra_auth} if self.token is not None else None
        self.client.connect(self.url, namespaces=["/hall"], auth=auth,
                            transports=["websocket"], wait_timeout=10)
        return self

    def next(self, name: str, timeout: float = 5) -> Any:
        """The next event called ``name`` (skipping others), or AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name!r} event within {timeout} s")
            try:
                event, data, _ = self.events.get(timeout=left)
            except queue.Empty as exc:
                raise AssertionError(f"no {name!r} event within {timeout} s") from exc
            if event == name:
                return data

    def close(self) -> None:
        self.client.disconnect()
