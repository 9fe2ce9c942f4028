"""The one client of the JSON API (/api/v1) for tests, with the demo credentials.

``Api(app.test_client())`` speaks to the app in process (Flask's test client);
``Api(server.url)`` speaks HTTP to a live server (`mpp run`, gunicorn). Both have the same
methods and answer the same ``Response``: ``api.post("/tickets", {...}, token=...)`` gives
``Response(status, body)``; ``.ok()`` asserts a 2xx answer and gives its body. The
shortcuts (``login``, ``issue``, ``open_counter``, ``call_next``, ``act``…) assert success.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from flask.testing import FlaskClient
from requests.structures import CaseInsensitiveDict

from mpp.services.demo import DEMO_USERS, demo_device_token

from .databases import TEST_SECRET

#: the demo users' passwords (mpp/services/demo.py), the one place tests read them from
PASSWORDS = {u.username: u.password for u in DEMO_USERS}
STAFF_PASSWORD = PASSWORDS["dukcapil1"]  # the demo staff's, also given to users a test makes
ADMIN_PASSWORD = PASSWORDS["admin"]


def password_of(username: str) -> str:
    """A demo user's password, else the staff password (users a test adds use it)."""
    return PASSWORDS.get(username, STAFF_PASSWORD)


def device_token(name: str = "kiosk-1") -> str:
    """A demo device's token in the test databases (derived from the test secret)."""
    return demo_device_token(TEST_SECRET, name)


@dataclass
class Response:
    """What the API answered: the status, the JSON body (None if not JSON), the raw bytes
    and the headers."""

    status: int
    body: Any
    content: bytes = b""
    headers: CaseInsensitiveDict[str] = field(default_factory=CaseInsensitiveDict)

    @property
    def error(self) -> str | None:
        """The error code of a refusal ({"error": {"code": ...}}), else None."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def ok(self) -> Any:
        """The body of a 2xx answer (AssertionError, saying what came, otherwise)."""
        assert 200 <= self.status < 300, (self.status, self.text[:2000])
        return self.body


class Transport(Protocol):
    """Sends one request to a path of the site (not only /api/v1) and answers it."""

    def send(self, method: str, path: str, data: bytes | str | dict[str, Any] | None,
             headers: dict[str, str]) -> Response: ...


class FlaskTransport:
    """In process, over Flask's test client (cookies kept in the client)."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def send(self, method: str, path: str, data: bytes | str | dict[str, Any] | None,
             headers: dict[str, str]) -> Response:
        r = self.client.open(path, method=method, data=data, headers=headers)
        return Response(r.status_code, r.get_json(silent=True), r.get_data(),
                        CaseInsensitiveDict(r.headers))


class HttpTransport:
    """Over real HTTP to ``url`` (a requests session: cookies kept, redirects not followed)."""

    def __init__(self, url: str, timeout: float = 10):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout

    def send(self, method: str, path: str, data: bytes | str | dict[str, Any] | None,
             headers: dict[str, str]) -> Response:
        r = self.http.request(method, f"{self.url}{path}", data=data, headers=headers,
                              timeout=self.timeout, allow_redirects=False)
        try:
            body = r.json()
        except ValueError:
            body = None
        return Response(r.status_code, body, r.content, CaseInsensitiveDict(r.headers))


class Api:
    """The JSON API as the demo devices and staff (or users a test made with the staff
    password): ``Api(test_client)`` in process, ``Api(url)`` over HTTP."""

    def __init__(self, target: FlaskClient | str, timeout: float = 10):
        if isinstance(target, str):
            self.transport: Transport = HttpTransport(target, timeout)
            self.url: str | None = target.rstrip("/")
        else:
            self.transport = FlaskTransport(target)
            self.url = None
        self._tokens: dict[str, str] = {}  # username -> bearer token

    @property
    def http(self) -> requests.Session:
        """The requests session (over HTTP only), for a loop that must see the connection
        errors of a server going down."""
        assert isinstance(self.transport, HttpTransport), "an Api over HTTP only"
        return self.transport.http

    @property
    def client(self) -> FlaskClient:
        """Flask's test client (in process only), for pages outside /api/v1."""
        assert isinstance(self.transport, FlaskTransport), "an in-process Api only"
        return self.transport.client

    # -- requests ---------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                raw: bytes | str | None = None, headers: dict[str, str] | None = None
                ) -> Response:
        """``method`` on /api/v1``path`` with ``body`` as JSON (or ``raw`` bytes sent as
        JSON), as the bearer of ``token``."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (None if body is None else jsonlib.dumps(body))
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        return self.transport.send(method, f"/api/v1{path}", data, sent)

    def get(self, path: str, token: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, token=token, headers=headers)

    def post(self, path: str, body: Any = None, token: str | None = None,
             raw: bytes | str | None = None, headers: dict[str, str] | None = None
             ) -> Response:
        return self.request("POST", path, body, token, raw, headers)

    def page(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """GET a path of the site outside /api/v1 (/readyz, /metrics, /t/<token>…)."""
        return self.transport.send("GET", path, None, dict(headers or {}))

    # -- who acts ---------------------------------------------------------------------------
    def device_token(self, name: str = "kiosk-1") -> str:
        return device_token(name)

    def login(self, username: str, password: str | None = None) -> str:
        """A bearer token of the user (signed in once per client: servers limit sign-ins)."""
        if username not in self._tokens:
            r = self.request("POST", "/auth/login", {"username": username,
                                          "password": password or password_of(username)})
            assert r.status == 200, (username, r.status, r.body)
            self._tokens[username] = r.body["token"]
        return self._tokens[username]

    staff_token = login

    # -- pages with the session cookie ------------------------------------------------------
    def csrf_token(self) -> str:
        return self.request("GET", "/session").ok()["csrf_token"]

    def sign_in(self, username: str, password: str | None = None) -> Response:
        """Sign in with the /login form, as a browser does (302 on success); the session
        cookie is kept for ``post_form``."""
        return self.transport.send("POST", "/login", {
            "username": username, "password": password or password_of(username),
            "csrf_token": self.csrf_token()}, {})

    def post_form(self, path: str, data: dict[str, Any] | None = None) -> Response:
        """POST a form to a page (not /api/v1) with the session's CSRF token."""
        return self.transport.send("POST", path, {**(data or {}),
                                                  "csrf_token": self.csrf_token()}, {})

    # -- the layout -------------------------------------------------------------------------
    def service(self, code: str) -> dict[str, Any]:
        services = self.request("GET", "/services").ok()["services"]
        return next(s for s in services if s["code"] == code)

    def service_id(self, code: str) -> int:
        return self.service(code)["id"]

    def counter(self, name: str, agency: str | None = None) -> dict[str, Any]:
        """The counter called ``name`` (in ``agency``, by code, when names repeat)."""
        return next(c for c in self.request("GET", "/counters").ok()["counters"]
                    if c["name"] == name and agency in (None, c["agency"]["code"]))

    def counter_id(self, name: str, agency: str | None = None) -> int:
        return self.counter(name, agency)["id"]

    # -- the hall at work -------------------------------------------------------------------
    def issue(self, code: str, priority: bool = False, device: str = "kiosk-1",
              **extra: Any) -> dict[str, Any]:
        """A ticket for the service taken at ``device`` (kiosk-1 unless told)."""
        body = {"service_id": self.service_id(code), **extra}
        if priority:
            body["priority"] = True
        r = self.request("POST", "/tickets", body, token=self.device_token(device))
        assert r.status == 201, (r.status, r.body)
        return r.body["ticket"]

    def ticket(self, token: str) -> dict[str, Any]:
        """A ticket as its holder's phone reads it."""
        return self.request("GET", f"/tickets/by-token/{token}").ok()["ticket"]

    def open_counter(self, username: str, name: str, agency: str | None = None) -> int:
        cid = self.counter_id(name, agency)
        self.request("POST", f"/counters/{cid}/open", token=self.login(username)).ok()
        return cid

    def call_next(self, username: str, counter_id: int) -> dict[str, Any]:
        ticket = self.request("POST", f"/counters/{counter_id}/call-next",
                              token=self.login(username)).ok()["ticket"]
        assert ticket is not None, "nothing was waiting"
        return ticket

    def act(self, username: str, ticket_id: int, action: str, body: Any = None
            ) -> dict[str, Any]:
        """``action`` (start, finish, recall, no-show, transfer…) on the ticket."""
        return self.request("POST", f"/tickets/{ticket_id}/{action}", body,
                            token=self.login(username)).ok()["ticket"]
