"""Fixtures for the counter console and the status page: a live server, a small HTTP
client for acting as the kiosk or another staff member, and browser helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mpp.services.demo import demo_device_token

from ..support import databases
from ..support.databases import TEST_SECRET
from ..support.live import LiveServer

PASSWORDS = {"manajer": "manajer-mpp", "admin": "admin-mpp"}


class LiveApi:
    """The JSON API of a live server, as the kiosk (device token) or a staff member."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, token: str | None = None
             ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(method, f"{self.url}/api/v1{path}", json=body,
                                 headers=headers, timeout=10)

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        r = self.call(method, path, body, token)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json()

    def login(self, username: str) -> str:
        if username not in self.tokens:
            body = self.ok("POST", "/auth/login", {
                "username": username, "password": PASSWORDS.get(username, "petugas-mpp")})
            self.tokens[username] = body["token"]
        return self.tokens[username]

    def service_id(self, code: str) -> int:
        return next(s["id"] for s in self.ok("GET", "/services")["services"]
                    if s["code"] == code)

    def counter_id(self, name: str) -> int:
        return next(c["id"] for c in self.ok("GET", "/counters")["counters"]
                    if c["name"] == name)

    def issue(self, code: str, priority: bool = False) -> dict[str, Any]:
        body = self.ok("POST", "/tickets", {"service_id": self.service_id(code),
                                            "priority": priority},
                       token=demo_device_token(TEST_SECRET, "kiosk-1"))
        return body["ticket"]

    def ticket(self, token: str) -> dict[str, Any]:
        return self.ok("GET", f"/tickets/by-token/{token}")["ticket"]

    def open_counter(self, username: str, counter: str) -> int:
        cid = self.counter_id(counter)
        self.ok("POST", f"/counters/{cid}/open", token=self.login(username))
        return cid

    def act(self, username: str, ticket_id: int, action: str, body: Any = None) -> Any:
        return self.ok("POST", f"/tickets/{ticket_id}/{action}", body,
                       token=self.login(username))["ticket"]

    def call_next(self, username: str, counter_id: int) -> Any:
        return self.ok("POST", f"/counters/{counter_id}/call-next",
                       token=self.login(username))["ticket"]


@pytest.fixture(scope="module")
def shared_server(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[LiveServer]:
    """One server for a whole module whose tests each keep to their own agency's
    services and counters (starting a server costs seconds on a small machine)."""
    folder = tmp_path_factory.mktemp("shared")
    server = LiveServer(databases.sqlite_copy(_sqlite_template, folder), folder / "live",
                        extra_env={"MPP_LOGIN_RATE_LIMIT": "1000 per minute"})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_hall(shared_server: LiveServer) -> LiveApi:
    return LiveApi(shared_server.url)


@pytest.fixture
def shots(output_dir: Path) -> Path:
    return output_dir / "screenshots"


@pytest.fixture
def desk_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A page the size of an old office monitor (1024×768)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A phone-sized page that records navigator.vibrate calls in window.__vibrations."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.add_init_script("""
        window.__vibrations = [];
        navigator.vibrate = function (pattern) { window.__vibrations.push(pattern); return true; };
    """)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, base_url: str, username: str, password: str = "petugas-mpp") -> None:
    """Sign in through the real /login form, starting from the console's address."""
    page.goto(f"{base_url}/console")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/console")
    page.wait_for_selector("body[data-ready=true]")


def run_axe(page: Any, base_url: str) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations found by axe-core on the page."""
    page.add_script_tag(url=f"{base_url}/static/vendor/axe.min.js")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
