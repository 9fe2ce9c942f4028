"""Limits that keep one client from hurting the hall's other live screens.

- **Sockets per client address** (``MPP_SOCKETS_PER_ADDRESS``, default 1,000): a hall's
  guest Wi-Fi may put every phone behind one NAT address, so the limit is generous; it stops
  one machine from opening thousands. Behind nginx, set ``MPP_TRUSTED_PROXIES`` so the
  address is the client's, not nginx's.
- **Sockets per ticket** (``MPP_SOCKETS_PER_TICKET``, default 5): a citizen's phone and a
  few tabs; a copied token cannot be used to open hundreds.
- **A client that stops reading** (``MPP_SOCKET_BACKLOG``, default 200 messages): its
  messages queue in the server; past the limit its socket is closed (the page reconnects
  and reads a fresh state when it reads again). Sending to other clients never waits for it:
  each socket has its own queue and writer. A write that makes no progress for
  ``MPP_SOCKET_SEND_TIMEOUT`` seconds (default 30) ends the connection.

Every refusal and every closed slow socket is logged (logger ``mpp.sockets``), at most once
a minute per address for refusals.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("mpp.sockets")

TOO_MANY_FROM_ADDRESS = ("too_many_sockets: terlalu banyak sambungan dari alamat ini. / Too "
                         "many live connections from this address.")
TOO_MANY_FOR_TICKET = ("too_many_sockets: terlalu banyak halaman membuka tiket ini. / Too "
                       "many pages follow this ticket.")


@dataclass(frozen=True)
class Limits:
    per_address: int = 1000
    per_ticket: int = 5
    backlog: int = 200
    send_timeout: float = 30.0


class SocketGuard:
    """Counts this process's live sockets by client address and by ticket."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], tuple[str, str | None]] = {}
        self._addresses: Counter[str] = Counter()
        self._tickets: Counter[str] = Counter()
        self._warned: dict[str, float] = {}

    def admit(self, namespace: str, sid: str, address: str,
              ticket: str | None = None) -> str | None:
        """Note a new socket; the refusal message when a limit is reached (then nothing is
        noted), else None."""
        with self._lock:
            if self._addresses[address] >= self.limits.per_address:
                self._warn(address, f"refused a {namespace} socket from {address}: it already "
                                    f"holds {self._addresses[address]} (MPP_SOCKETS_PER_ADDRESS)")
                return TOO_MANY_FROM_ADDRESS
            if ticket is not None and self._tickets[ticket] >= self.limits.per_ticket:
                self._warn(address, f"refused a {namespace} socket from {address}: its ticket "
                                    f"is already followed by {self._tickets[ticket]} pages "
                                    "(MPP_SOCKETS_PER_TICKET)")
                return TOO_MANY_FOR_TICKET
            self._held[(namespace, sid)] = (address, ticket)
            self._addresses[address] += 1
            if ticket is not None:
                self._tickets[ticket] += 1
            return None

    def release(self, namespace: str, sid: str) -> None:
        """The socket closed."""
        with self._lock:
            held = self._held.pop((namespace, sid), None)
            if held is None:
                return
            address, ticket = held
            self._addresses[address] -= 1
            if self._addresses[address] <= 0:
                del self._addresses[address]
            if ticket is not None:
                self._tickets[ticket] -= 1
                if self._tickets[ticket] <= 0:
                    del self._tickets[ticket]

    def _warn(self, address: str, message: str) -> None:
        now = self.clock()
        if now - self._warned.get(address, -1e9) >= 60:
            self._warned[address] = now
            log.warning(message)


def close_slow_readers(sockets: Iterable[Any], backlog: int) -> int:
    """Close every Engine.IO socket with more than ``backlog`` messages waiting to be sent;
    how many were closed."""
    closed = 0
    for sock in list(sockets):
        waiting = sock.queue.qsize()
        if waiting > backlog and not (sock.closed or sock.closing):
            log.warning("closed a socket that stopped reading (%s): %d messages waiting "
                        "(MPP_SOCKET_BACKLOG=%d)", sock.sid, waiting, backlog)
            sock.close(wait=False, abort=True)
            closed += 1
    return closed


class SendTimeout:
    """WSGI middleware: a WebSocket whose writes make no progress for ``seconds`` is cut.

    Engine.IO pings every client every few seconds, and each answers, so a healthy socket
    never waits that long for data either way."""

    def __init__(self, app: Any, seconds: float):
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        sock = environ.get("gunicorn.socket")
        if sock is not None and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            sock.settimeout(self.seconds)
        return self.app(environ, start_response)


class SocketIOOnItsPath:
    """WSGI middleware around Flask-SocketIO's: only requests to its path (``/socket.io/``)
    go through it, every other request straight to the Flask app. Flask-SocketIO's
    middleware copies the environ of every request and Engine.IO's defines a class for it
    (about 20 µs, a tenth of a bare Flask request: issue 8)."""

    def __init__(self, socketio_middleware: Any):
        self.sockets = socketio_middleware
        self.http = socketio_middleware.wsgi_app
        self.path: str = socketio_middleware.engineio_path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if (environ.get("PATH_INFO") or "").startswith(self.path):
            return self.sockets(environ, start_response)
        return self.http(environ, start_response)
