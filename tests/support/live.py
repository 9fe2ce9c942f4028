"""A real server process (`mpp run`) on a loopback port it binds itself, for Socket.IO and
browser tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from .databases import TEST_SECRET, sqlite_copy
from .live_clock import clock_env, live_offset


def free_port() -> int:
    """A port free now, for a server that cannot bind port 0 and name its port (cupsd): it
    may be taken before that server binds it, so check who answers there
    (support/ports.py). `mpp run` binds its own (LiveServer, FreshRun)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVING = re.compile(rb"^Serving on http://127\.0\.0\.1:(\d+) ", re.M)

#: threads waiting for servers told to stop without waiting (LiveServer.stop(wait=False))
_STOPPING: list[threading.Thread] = []


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a server already sent SIGTERM; SIGKILL its process group after 15 s."""
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_for_stopping() -> None:
    """Wait until every server stopped with ``wait=False`` has exited (the end of a run)."""
    while _STOPPING:
        _STOPPING.pop().join()


class LiveServer:
    """``mpp run --no-demo --port 0`` against ``db_url``: the server binds a free port and
    names it on its "Serving on" line, so the port is its own (no port picked here and
    freed for it, which another process could take first); ``restart()`` keeps the port
    and database. ``url`` is known once started."""

    def __init__(self, db_url: str, data_dir: Path, redis_url: str | None = None,
                 port: int | None = None, extra_env: dict[str, str] | None = None,
                 clock_offset: float | None = None):
        self.db_url = db_url
        # the server reads the hour the suite chose (see live_clock), also after restart();
        # servers that share a database are given the first one's clock_offset
        self.clock_offset = live_offset() if clock_offset is None else clock_offset
        self.data_dir = data_dir
        self.port = port or 0
        self.url = ""
        # MPP_PUBLIC_URL: the server's own http://127.0.0.1:PORT, once it has its port
        self.env = {**{k: v for k, v in os.environ.items() if k != "MPP_PUBLIC_URL"},
                    "MPP_DATABASE_URL": db_url, "MPP_SECRET_KEY": TEST_SECRET,
                    "MPP_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
                    **clock_env(self.clock_offset), **(extra_env or {})}
        if redis_url:
            self.env["MPP_REDIS_URL"] = redis_url
        else:
            self.env.pop("MPP_REDIS_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def start(self, timeout: float = 30) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        since = self.log.stat().st_size  # restart() appends to the same log
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mpp.cli", "run", "--no-demo", "--host", "127.0.0.1",
             "--port", str(self.port)],
            env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        bound = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            if not bound:  # the port this process bound, from its own output
                with open(self.log, "rb") as log:
                    log.seek(since)
                    if (found := SERVING.search(log.read())) is not None:
                        bound = True
                        self.port = int(found.group(1))
                        self.url = f"http://127.0.0.1:{self.port}"
            if bound:
                try:
                    if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def now(self) -> datetime:
        """What the server's clock reads now."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def stop(self, wait: bool = True) -> None:
        """SIGTERM to the server's process group (gunicorn's graceful stop: seconds), then
        SIGKILL if it is still there after 15 s. ``wait=False`` (a fixture's teardown, when
        the test is over) returns at once and leaves the waiting to a thread; the suite
        waits for every such server before it exits (``wait_for_stopping``)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        if wait:
            _reap(proc)
        else:
            thread = threading.Thread(target=_reap, args=(proc,), daemon=True,
                                      name=f"stop-server-{proc.pid}")
            thread.start()
            _STOPPING[:] = [t for t in _STOPPING if t.is_alive()] + [thread]

    def restart(self) -> None:
        self.stop()
        self.start()


class ServerAhead:
    """The next test's server, started while the test before it runs (a start costs seconds
    of CPU, most of them while the test before waits for its browser or its server).
    ``take(make)`` answers the server started ahead, if the environment is still the one it
    was started in (else a new one from ``make``), and starts the next one from ``make``
    in the background. Off when ``off`` is true (the suite's clock placed before midnight:
    a server started ahead would read a later time than the hour asked for)."""

    def __init__(self, off: bool = False):
        self.off = off
        self._next: tuple[dict[str, str], Future[LiveServer]] | None = None
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="server-ahead")

    def take(self, make: Callable[[], LiveServer]) -> LiveServer:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        server = self._pending(env)
        if server is None:
            server = make().start()
        if not self.off:
            ahead = make()  # its folder and clock chosen here, its start in the background
            self._next = (env, self._starter.submit(ahead.start))
        return server

    def _pending(self, env: dict[str, str]) -> LiveServer | None:
        """The server started ahead if it is up and was started in ``env``, else None."""
        if self._next is None:
            return None
        started_in, future = self._next
        self._next = None
        try:
            server = future.result()
        except Exception:  # noqa: BLE001 - a start that failed is started again, saying why
            return None
        if started_in == env and server.proc is not None and server.proc.poll() is None:
            return server
        server.stop(wait=False)
        return None

    def close(self) -> None:
        """Stop the server started ahead that no test took."""
        server = self._pending({})
        if server is not None:
            server.stop(wait=False)
        self._starter.shutdown()


class FreshRun:
    """``mpp run --port 0`` in ``folder`` with no MPP_ setting but the suite's clock, as on
    a new machine: its own SQLite database, secret key and (first time) the demo MPP.
    ``start()`` reads its output up to the "Serving on" line (``output``, ``port``, ``url``)
    and waits until it answers there."""

    def __init__(self, folder: Path, clock_offset: float | None = None):
        self.folder = folder
        self.clock_offset = live_offset() if clock_offset is None else clock_offset
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
        self.env.update(PYTHONUNBUFFERED="1", **clock_env(self.clock_offset))
        self.proc: subprocess.Popen[str] | None = None
        self.output = ""
        self.port = 0
        self.url = ""

    def start(self, timeout: float = 60) -> FreshRun:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mpp.cli", "run", "--host", "127.0.0.1", "--port", "0"],
            cwd=self.folder, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        assert self.proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Serving on"):
            line = self.proc.stdout.readline()  # the process ends (EOF) if it cannot start
            assert line, "mpp run ended early:\n" + "".join(lines)
            lines.append(line)
        self.output = "".join(lines)
        # keep reading what it logs later, so that a full pipe never stalls it
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        found = SERVING.search(lines[-1].encode())
        assert found, lines[-1]
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError(f"{self.url} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.proc = None


@contextlib.contextmanager
def module_server(template: Path, folder: Path,
                  extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A server on a copy of the SQLite ``template`` in ``folder``, for a whole test module
    (starting one takes seconds); stopped in the background after."""
    server = LiveServer(sqlite_copy(template, folder), folder / "live",
                        extra_env=extra_env).start()
    try:
        yield server
    finally:
        server.stop(wait=False)
