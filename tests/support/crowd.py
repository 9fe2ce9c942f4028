"""A crowd of live screens in a process of its own: citizens' status pages on /ticket,
display boards and counter consoles on /hall, all real Socket.IO clients (python-socketio's
AsyncClient, WebSocket transport) on one asyncio loop, so that thousands cost the test
process little.

``Crowd(specs).start()`` connects them all; ``report()`` returns what each saw: when it
connected (or why it could not) and, with the system-wide monotonic clock, when each
``called`` event (boards, consoles) and each ``ticket`` and ``queue`` event (status pages)
arrived. Used by the full-hall test (tests/live/test_full_hall.py) and bench/full_hall.py.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Screen:
    """One client to connect: ``kind`` is ``page`` (/ticket, ``auth`` holds the ticket token),
    ``board`` or ``console`` (/hall, ``auth`` holds a device or staff token)."""

    kind: str
    url: str
    auth: dict[str, Any]
    key: str = ""  # what the screen follows (a ticket number), for reports


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
    #: (monotonic time, order) of every `queue` event on /ticket
    queues: list[tuple[float, list[int]]] = field(default_factory=list)


async def _screen(screen: Screen, seen: Seen, gate: asyncio.Semaphore,
                  stop: asyncio.Event) -> None:
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    namespace = "/ticket" if screen.kind == "page" else "/hall"

    @client.on("called", namespace=namespace)
    async def called(data: dict[str, Any]) -> None:
        seen.calls.append((time.monotonic(), data["ticket"]["number"], bool(data["recall"])))

    @client.on("ticket", namespace=namespace)
    async def ticket(data: dict[str, Any]) -> None:
        t = data.get("ticket") or {}
        seen.tickets.append((time.monotonic(), t.get("status"), t.get("people_ahead")))

    @client.on("disconnect", namespace=namespace)
    async def dropped(*_args: Any) -> None:
        if not stop.is_set():
            seen.dropped_at = time.monotonic()

    @client.on("queue", namespace=namespace)
    async def queue(data: dict[str, Any]) -> None:
        if "order" in data:
            seen.queues.append((time.monotonic(), data["order"]))

    async with gate:
        try:
            await client.connect(screen.url, namespaces=[namespace], auth=screen.auth,
                                 transports=["websocket"], wait_timeout=30)
            seen.connected_at = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - recorded and reported
            seen.error = f"{type(exc).__name__}: {exc}"
            return
    await stop.wait()
    await client.disconnect()


async def _crowd(screens: list[Screen], conn: Any, at_once: int) -> None:
    seen = [Seen(s) for s in screens]
    gate = asyncio.Semaphore(at_once)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_screen(s, v, gate, stop)) for s, v in zip(screens, seen,
                                                                          strict=True)]
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
    import logging

    # a client closing at the end says "packet queue is empty, aborting" per socket
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    asyncio.run(_crowd(screens, conn, at_once))


class Crowd:
    """The screens, connected from a child process; ``with Crowd(...) as crowd:``."""

    def __init__(self, screens: list[Screen], at_once: int = 100):
        self.screens = screens
        self.at_once = at_once
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_main, args=(screens, child, at_once), daemon=True)

    def start(self, timeout: float = 120) -> Crowd:
        """Connect every screen (or let it fail); returns once each has an outcome."""
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
