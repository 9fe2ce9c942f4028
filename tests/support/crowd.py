"""A crowd of live screens in a process of its own: citizens' status pages on /ticket,
display boards and counter consoles on /hall, speaking Engine.IO 4 / Socket.IO 5 over a raw
WebSocket (aiohttp, whose frame reader is compiled) on one asyncio loop, so that thousands
cost little CPU and a benchmark measures the server rather than its clients.

Each screen connects with ``/socket.io/?EIO=4&transport=websocket``, joins its namespace
with its ``auth``, answers the server's pings, and notes, with the system-wide monotonic
clock, when each ``called`` event (boards, consoles) and each ``ticket`` and ``queue`` event
(status pages) arrived. A ``queue`` frame is recognised by its prefix and only its arrival
time is noted, unless the screen ``decode``\\ s (then its call order is kept too); ``called``
and ``ticket`` events are rare and always decoded.

``Crowd(specs).start()`` connects them all; ``report()`` returns what each saw: when it
connected (or why it could not) and what arrived when. Used by the full-hall test
(tests/live/test_full_hall.py), the deploy test and bench/full_hall.py, bench/soak.py.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Screen:
    """One client to connect: ``kind`` is ``page`` (/ticket, ``auth`` holds the ticket token),
    ``board`` or ``console`` (/hall, ``auth`` holds a device or staff token). A page that
    does not ``decode`` notes only when each ``queue`` event came, not its order."""

    kind: str
    url: str
    auth: dict[str, Any]
    key: str = ""  # what the screen follows (a ticket number), for reports
    decode: bool = True


@dataclass
class Seen:
    """What one screen saw."""

    screen: Screen
    connected_at: float | None = None
    #: when the server closed it (None while it stays connected)
    dropped_at: float | None = None
    error: str | None = None
    #: (monotonic time, ticket number, recall) of every `called` event
    calls: list[tuple[float, str, bool]] = field(default_factory=list)
    #: (monotonic time, status, people_ahead) of every `ticket` event
    tickets: list[tuple[float, str, int | None]] = field(default_factory=list)
    #: (monotonic time, the message: its ``order`` and the rest; None when not decoded) of
    #: every `queue` event on /ticket
    queues: list[tuple[float, dict[str, Any] | None]] = field(default_factory=list)


def _ws_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/socket.io/?EIO=4&transport=websocket"


class _Refused(Exception):
    """The server refused the namespace (a CONNECT_ERROR packet)."""


def _event(text: str, prefix: str) -> tuple[str, Any]:
    """The name and first argument of an EVENT packet (``42/ns,["name",data]``)."""
    body = json.loads(text[len(prefix):])
    return body[0], body[1] if len(body) > 1 else None


async def _screen(session: Any, screen: Screen, seen: Seen, gate: asyncio.Semaphore,
                  stop: asyncio.Event) -> None:
    import aiohttp

    namespace = "/ticket" if screen.kind == "page" else "/hall"
    event = f"42{namespace},"
    queue_prefix = f'{event}["queue"'
    page = screen.kind == "page"
    ws: Any = None

    async def handle(data: str) -> bool:
        """Note one frame; False once the server ends the namespace or the session."""
        now = time.monotonic()
        if data == "2":
            await ws.send_str("3")
        elif data.startswith(queue_prefix):
            if page:
                seen.queues.append((now, _event(data, event)[1] if screen.decode else None))
        elif data.startswith(event):
            name, body = _event(data, event)
            if name == "called":
                seen.calls.append((now, body["ticket"]["number"], bool(body["recall"])))
            elif name == "ticket":
                t = body.get("ticket") or {}
                seen.tickets.append((now, t.get("status"), t.get("people_ahead")))
        elif data.startswith(f"41{namespace}") or data == "1":
            return False
        return True

    try:
        async with gate:
            ws = await session.ws_connect(_ws_url(screen.url), autoping=True, heartbeat=None,
                                          max_msg_size=0, timeout=aiohttp.ClientWSTimeout(
                                              ws_receive=None, ws_close=5))
            opened = await asyncio.wait_for(ws.receive(), 30)
            if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
                raise ConnectionError(f"no Engine.IO open packet: {opened.data!r}")
            await ws.send_str(f"40{namespace},{json.dumps(screen.auth)}")
            # the namespace's answer; a ping, and the events the server's connect handler
            # emits (a page's first `ticket`), may come before it
            while True:
                reply = await asyncio.wait_for(ws.receive(), 30)
                if reply.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"closed while connecting: {reply.type!r}")
                if reply.data.startswith(f"40{namespace},"):
                    break
                if reply.data.startswith(f"44{namespace},"):
                    raise _Refused(json.loads(reply.data[len(namespace) + 3:]).get("message"))
                await handle(reply.data)
            seen.connected_at = time.monotonic()
    except Exception as exc:  # noqa: BLE001 - recorded and reported
        seen.error = f"{type(exc).__name__}: {exc}"
        return

    async def read() -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT and not await handle(msg.data):
                break  # the server disconnected the namespace or closed the session

    reader = asyncio.ensure_future(read())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([reader, stopping], return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        seen.dropped_at = time.monotonic()
    stopping.cancel()
    reader.cancel()
    await ws.close()


async def _crowd(screens: list[Screen], conn: Any, at_once: int) -> None:
    import aiohttp

    seen = [Seen(s) for s in screens]
    gate = asyncio.Semaphore(at_once)
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(_screen(session, s, v, gate, stop))
                 for s, v in zip(screens, seen, strict=True)]
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "report":
                conn.send(seen)
            elif command == "connected":
                conn.send(sum(1 for v in seen if v.connected_at or v.error))
            elif command == "stop":
                stop.set()
                await asyncio.wait(tasks, timeout=30)
                conn.send("stopped")
                return


def _main(screens: list[Screen], conn: Any, at_once: int) -> None:
    asyncio.run(_crowd(screens, conn, at_once))


class Crowd:
    """The screens, connected from a child process; ``with Crowd(...) as crowd:``."""

    def __init__(self, screens: list[Screen], at_once: int = 100, timeout: float = 120):
        self.screens = screens
        self.at_once = at_once
        self.timeout = timeout
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_main, args=(screens, child, at_once), daemon=True)

    def start(self, timeout: float | None = None) -> Crowd:
        """Connect every screen (or let it fail); returns once each has an outcome."""
        timeout = self.timeout if timeout is None else timeout
        self._proc.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._conn.send("connected")
            if self._conn.recv() >= len(self.screens):
                return self
            time.sleep(0.2)
        raise TimeoutError(f"the crowd did not finish connecting in {timeout} s")

    @property
    def pid(self) -> int:
        """The crowd's process."""
        assert self._proc.pid is not None
        return self._proc.pid

    def report(self) -> list[Seen]:
        self._conn.send("report")
        return self._conn.recv()

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            if self._conn.poll(60):
                self._conn.recv()
            self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()

    def __enter__(self) -> Crowd:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
