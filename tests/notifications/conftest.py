"""A real local HTTP receiver standing in for the site's WhatsApp/SMS gateway, and the site's
``[notifications]`` table pointed at it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from mpp.models import Site
from mpp.services.site_layout import load_layout

SECRET = "shared-secret"


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """Answers each POST with the next of ``answers`` (an HTTP status, or ``"hang"``: no
    answer until the client gives up), then 200; keeps what it received."""

    url: str = ""
    answers: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)
    #: called on the receiver's thread before each answer (a test holding posts back)
    before_answer: Callable[[], None] | None = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"the receiver got {len(self.received)} of {count} posts")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.received.append(Received(body, dict(self.headers)))
                answer = state.answers.pop(0) if state.answers else 200
            if state.before_answer:
                state.before_answer()
            if answer == "hang":
                state.release.wait(30)
                return
            self.send_response(int(answer))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"queued": true}' if answer == 200 else b'{"error": "down"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def configure(app: Any, url: str, ahead: int = 3) -> None:
    """Give the app's site a ``[notifications]`` table (as the site file would)."""
    hall = app.extensions["mpp"]
    with hall.db.write() as s:
        site = s.scalars(select(Site)).one()
        load_layout(s, {"site": {"code": site.code, "name": site.name,
                                 "timezone": site.timezone},
                        "notifications": {"webhook_url": url, "secret": SECRET,
                                          "ahead": ahead}},
                    hall.clock.now(), actor="test")
