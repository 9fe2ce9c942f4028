"""The print agent: runs on the PC inside a kiosk, prints the server's print jobs.

It connects to the server's ``/print`` Socket.IO namespace with its device token, prints
each ``print`` job on the local printer and answers ``printed`` ``{"job_id", "ok", "error"}``.
The server keeps every job until it is answered ``ok`` and sends the unanswered ones again
whenever the agent (re)connects or reports its printer ready, so jobs survive a restart of
either side.

Exactly once per answer: before answering, the agent appends the job id to a small journal
file (fsync'd). A job sent again whose id is in the journal is answered again without being
printed: an answer lost on the way never causes a second ticket. The one window left is
between the printer taking the bytes and the journal write (a few microseconds): an agent
killed exactly there prints that ticket once more after its restart. A duplicate ticket is
harmless; a lost one is not, so the window is left on that side.

One agent per printer: the server keeps only the newest connection made with a printer's
token. An agent replaced by a newer one gets ``replaced``; it logs why and stops with exit
status 3 (``EXIT_REPLACED``) instead of reconnecting, so two agents never take turns. An
agent whose token an admin revoked or replaced gets ``revoked`` and stops with status 4, as
does one the server refuses when it connects (the notice lost, or a wrong token).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import socketio

from .backends import (
    PrinterError,
    PrinterSpec,
    PrinterStatus,
    close,
    open_printer,
    parse_spec,
    query_status,
    send,
)
from .layout import Paper, TicketPrint, paper, ticket_bytes
from .socket_client import InOrderClient

NAMESPACE = "/print"
#: how long an agent the server sent away waits for the notice saying why, before it
#: reconnects (it stops at once when the notice comes)
NOTICE_GRACE_SECONDS = 5.0
#: exit statuses: another agent took over this printer / the token was revoked
EXIT_REPLACED = 3
EXIT_REVOKED = 4
log = logging.getLogger("mpp.printer")


class Journal:
    """Ids of the jobs this agent has printed, one per line in a file; the newest ``keep``."""

    def __init__(self, path: Path, keep: int = 2000):
        self.path = path
        self.keep = keep
        self._ids: deque[int] = deque(maxlen=keep)
        self._set: set[int] = set()
        self._lock = threading.Lock()
        if path.exists():
            for line in path.read_text().split():
                if line.isdigit():
                    self._remember(int(line))
        path.parent.mkdir(parents=True, exist_ok=True)

    def _remember(self, job_id: int) -> None:
        if len(self._ids) == self.keep:
            self._set.discard(self._ids[0])
        self._ids.append(job_id)
        self._set.add(job_id)

    def __contains__(self, job_id: object) -> bool:
        with self._lock:
            return job_id in self._set

    def add(self, job_id: int) -> None:
        """Record a printed job durably (the line is on disk when this returns)."""
        with self._lock:
            self._remember(job_id)
            with open(self.path, "a") as f:
                f.write(f"{job_id}\n")
                f.flush()
                os.fsync(f.fileno())
            if self.path.stat().st_size > self.keep * 24:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text("".join(f"{i}\n" for i in self._ids))
                os.replace(tmp, self.path)


@dataclass
class PrinterState:
    """What the agent reports in ``printer_state`` events."""

    ready: bool
    online: bool | None
    paper: str
    error: str | None
    printer: str

    def payload(self) -> dict[str, Any]:
        return asdict(self)


class PrintAgent:
    """One agent: a Socket.IO client, a job queue and one printing thread."""

    def __init__(self, server: str, token: str, printer: str, paper_name: str = "80",
                 journal: Path | None = None, retry_seconds: float = 10.0,
                 status_query: bool = True, status_timeout: float = 2.0,
                 io_timeout: float = 10.0, heartbeat_seconds: float = 30.0,
                 native_qr: bool = True):
        self.server = server.rstrip("/")
        self.token = token
        self.spec: PrinterSpec = parse_spec(printer)
        self.paper: Paper = paper(paper_name)
        self.journal = Journal(journal or default_journal())
        self.retry_seconds = retry_seconds
        self.status_query = status_query and self.spec.queries_status
        self.status_timeout = status_timeout
        self.io_timeout = io_timeout
        self.heartbeat_seconds = heartbeat_seconds
        self.native_qr = native_qr
        self._last_report = 0.0
        #: (job id, arrival, job) oldest first; job None (sorted first) stops the printing
        self.jobs: queue.PriorityQueue[tuple[int, int, dict[str, Any] | None]] = (
            queue.PriorityQueue())
        self._arrivals = itertools.count()
        self._queued: set[int] = set()
        self._queued_lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._probe_requested = threading.Event()
        self._state: PrinterState | None = None
        self._retry_due: float | None = None
        self._reconnect = threading.Event()
        #: why the server sent the agent away, and the exit status that says so (0: it did not)
        self.exit_code = 0
        self.exit_reason: str | None = None
        self.sio = InOrderClient(reconnection=True, reconnection_attempts=0,
                                 reconnection_delay=1, reconnection_delay_max=5,
                                 logger=False, engineio_logger=False)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("print", self._on_print, namespace=NAMESPACE)
        self.sio.on("replaced", self._on_replaced, namespace=NAMESPACE)
        self.sio.on("revoked", self._on_revoked, namespace=NAMESPACE)
        self.sio.on("connect_error", self._on_connect_error, namespace=NAMESPACE)

    # -- Socket.IO -----------------------------------------------------------------------
    def _on_connect(self) -> None:
        log.info("connected to %s", self.server)
        self._state = None  # the server forgets it on reconnect: report it again
        self._connected.set()
        self._probe_requested.set()  # done by the printing thread, the printer's only user

    def _on_disconnect(self, reason: Any = None) -> None:
        self._connected.clear()
        if self._stop.is_set():
            log.info("disconnected from %s", self.server)
            return
        if reason == self.sio.reason.SERVER_DISCONNECT:
            # python-socketio does not reconnect when the server ends the session itself; a
            # ``replaced`` or ``revoked`` notice sent just before may still be on its way
            # (a closing transport is reported at once, messages in turn), so run() waits a
            # moment first.
            log.warning("the server closed the connection; reconnecting")
            self._reconnect.set()
        else:
            log.warning("disconnected from %s; reconnecting", self.server)

    def _on_replaced(self, data: Any = None) -> None:
        """A newer agent connected with this printer's token: stop, do not fight it."""
        self._halt(EXIT_REPLACED, data, "another print agent took over this printer",
                   "make sure only one print agent runs with this printer's token; this one "
                   "stays stopped")

    def _on_revoked(self, data: Any = None) -> None:
        self._halt(EXIT_REVOKED, data, "the server revoked this printer's token",
                   "ask the admin for the printer's new token")

    def _on_connect_error(self, data: Any = None) -> None:
        """The server refused to connect. A token it does not take (revoked, replaced by a
        new one, not a printer's) will not be taken on the next try either: stop, also when
        the ``revoked`` notice was lost with the connection it came on. Anything else (the
        server starting, its database away) is tried again."""
        message = data.get("message") if isinstance(data, dict) else data
        if isinstance(message, str) and message.startswith("unauthorized"):
            self._halt(EXIT_REVOKED, None,
                       f"the server refused this printer's token ({message})",
                       "ask the admin for the printer's token (Perangkat in the admin area)")

    def _halt(self, code: int, data: Any, default: str, advice: str) -> None:
        message = data.get("message") if isinstance(data, dict) else None
        self.exit_reason = message if isinstance(message, str) and message else default
        self.exit_code = code
        self._stop.set()  # before the disconnect that follows: no reconnecting, no printing
        log.error("%s", self.exit_reason)
        log.error("stopping with exit status %d: %s", code, advice)

    def _on_print(self, job: Any) -> None:
        """A job from the server; the same job may come twice (after a reconnect)."""
        if not isinstance(job, dict) or not isinstance(job.get("job_id"), int):
            log.error("ignored a print event without a job_id: %r", job)
            return
        with self._queued_lock:
            if job["job_id"] in self._queued:
                return
            self._queued.add(job["job_id"])
        self.jobs.put((job["job_id"], next(self._arrivals), job))

    def _emit(self, event: str, data: dict[str, Any]) -> bool:
        # Jobs sent at connect time can arrive before the connection is marked up.
        self._connected.wait(timeout=5)
        try:
            self.sio.emit(event, data, namespace=NAMESPACE)
            return True
        except socketio.exceptions.SocketIOError as exc:
            # The server keeps the job and sends it again after the reconnect.
            log.warning("could not send %s (%s); it will be repeated after reconnecting",
                        event, exc)
            return False

    def answer(self, job_id: int, ok: bool, error: str | None) -> None:
        self._emit("printed", {"job_id": job_id, "ok": ok, "error": error})

    def report(self, state: PrinterState, force: bool = False) -> None:
        if force or state != self._state:
            self._state = state
            self._last_report = time.monotonic()
            self._emit("printer_state", state.payload())

    # -- the printer -----------------------------------------------------------------------
    def _state_from(self, status: PrinterStatus | None, error: str | None) -> PrinterState:
        if error is None and status is not None and not status.ready:
            error = "printer offline" if status.online is False else "out of paper"
        return PrinterState(ready=error is None, online=None if status is None else
                            status.online, paper="unknown" if status is None else status.paper,
                            error=error, printer=self.spec.describe())

    def probe(self) -> PrinterState:
        """Open the printer and ask its status, without printing."""
        try:
            p = open_printer(self.spec, self.paper, self.io_timeout)
        except PrinterError as exc:
            return self._state_from(None, str(exc))
        try:
            status = (query_status(p, self.spec, self.status_timeout) if self.status_query
                      else PrinterStatus())
            return self._state_from(status, None)
        except PrinterError as exc:
            return self._state_from(None, str(exc))
        finally:
            close(p)

    def _probe_and_report(self) -> None:
        state = self.probe()
        self.report(state, force=True)
        self._retry_due = None if state.ready else time.monotonic() + self.retry_seconds

    def print_job(self, job: dict[str, Any]) -> tuple[bool, str | None]:
        """Print one job unless the journal says it was printed; (ok, error)."""
        job_id = job["job_id"]
        if job_id in self.journal:
            log.info("job %s was printed before; answering again without printing", job_id)
            return True, None
        try:
            data = ticket_bytes(TicketPrint.from_job(job), self.paper, self.native_qr)
        except ValueError as exc:
            return False, str(exc)
        try:
            p = open_printer(self.spec, self.paper, self.io_timeout)
        except PrinterError as exc:
            self.report(self._state_from(None, str(exc)))
            return False, str(exc)
        try:
            status = (query_status(p, self.spec, self.status_timeout) if self.status_query
                      else PrinterStatus())
            state = self._state_from(status, None)
            if not state.ready:
                self.report(state)
                return False, state.error
            send(p, self.spec, data)
            self.journal.add(job_id)
        except PrinterError as exc:
            self.report(self._state_from(None, str(exc)))
            return False, str(exc)
        finally:
            close(p)
        self.report(state)
        log.info("printed job %s (ticket %s)", job_id, job["ticket"].get("number"))
        return True, None

    def _work(self) -> None:
        while not self._stop.is_set():
            if self._probe_requested.is_set() and self.jobs.empty():
                self._probe_requested.clear()
                self._probe_and_report()
            try:
                item = self.jobs.get(timeout=0.5)
            except queue.Empty:
                self._maybe_retry()
                continue
            job = item[2]
            if job is None or self._stop.is_set():
                return  # a job still queued when the agent stops is sent again to the next one
            try:
                ok, error = self.print_job(job)
            except Exception as exc:  # noqa: BLE001 - one bad job must not stop the agent
                log.exception("job %s failed", job.get("job_id"))
                ok, error = False, f"agent error: {exc}"
            if not ok:
                log.warning("job %s not printed: %s", job["job_id"], error)
                self._retry_due = time.monotonic() + self.retry_seconds
            self.answer(job["job_id"], ok, error)
            with self._queued_lock:
                self._queued.discard(job["job_id"])

    def _maybe_retry(self) -> None:
        """After a failure: probe every ``retry_seconds``; a ready printer gets the jobs again.

        Otherwise a heartbeat: the printer is probed and reported every ``heartbeat_seconds``,
        so the board sees paper run out before the next ticket, and the server knows the
        agent is alive.
        """
        now = time.monotonic()
        if self._retry_due is None:
            if (self._connected.is_set() and self.heartbeat_seconds > 0
                    and now - self._last_report >= self.heartbeat_seconds):
                state = self.probe()
                self.report(state, force=True)
                if not state.ready:
                    self._retry_due = time.monotonic() + self.retry_seconds
            return
        if now < self._retry_due:
            return
        state = self.probe()
        self.report(state, force=True)  # the server resends pending jobs on a ready report
        self._retry_due = None if state.ready else time.monotonic() + self.retry_seconds

    # -- running -----------------------------------------------------------------------------
    def connect(self) -> None:
        """Connect, retrying until the server answers (it may start after the agent)."""
        delay = 1.0
        while not self._stop.is_set():
            try:
                self.sio.connect(self.server, namespaces=[NAMESPACE],
                                 auth={"token": self.token}, transports=["websocket"],
                                 wait_timeout=10)
                return
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                # ValueError: the previous connection is still closing (after the server
                # ended it); it will have closed by the next try.
                log.warning("cannot connect to %s: %s; retrying in %.0f s", self.server,
                            exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def run(self) -> None:
        """Print until stopped."""
        worker = threading.Thread(target=self._work, name="printer", daemon=True)
        worker.start()
        self.connect()
        while not self._stop.is_set():
            self._stop.wait(0.5)
            if self._reconnect.is_set() and not self._stop.is_set():
                self._reconnect.clear()
                # a `replaced` or `revoked` notice sent just before the server closed the
                # session may still be waiting its turn among the messages (late on a busy
                # machine): wait for it, but not longer than this, before reconnecting
                self._stop.wait(NOTICE_GRACE_SECONDS)
                self.connect()
        self.jobs.put((-1, next(self._arrivals), None))
        if self.sio.connected and not self.exit_code:
            # a goodbye when stopped here; after ``replaced`` or ``revoked`` the server is
            # closing the connection itself, and a disconnect racing with that close could
            # wait out the client's whole ping timeout (15 s) before the agent exits
            self.sio.disconnect()
        worker.join(timeout=5)

    def stop(self) -> None:
        self._stop.set()


def default_journal() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "mpp-printer" / "printed-jobs.txt"


@click.command(context_settings={"auto_envvar_prefix": "MPP_PRINTER"})
@click.option("--server", required=True, envvar="MPP_PRINTER_SERVER",
              help="The mpp server's address, e.g. http://192.168.1.10:8080.")
@click.option("--token", required=True, envvar="MPP_PRINTER_TOKEN",
              help="This printer device's token (mpp device add NAME --kind printer).")
@click.option("--printer", "printer_spec", required=True, envvar="MPP_PRINTER",
              help="network:HOST[:PORT] | usb:VID:PID | serial:DEV[:BAUD] | "
                   "cups:QUEUE[@HOST[:PORT]] | file:PATH")
@click.option("--paper", "paper_name", default="80", show_default=True,
              type=click.Choice(["58", "80"]), envvar="MPP_PRINTER_PAPER",
              help="Paper width in millimetres.")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              envvar="MPP_PRINTER_JOURNAL",
              help="File of printed job ids [default: ~/.local/state/mpp-printer/].")
@click.option("--retry-seconds", default=10.0, show_default=True,
              help="How often a failed printer is checked again.")
@click.option("--status-query/--no-status-query", default=True, show_default=True,
              help="Ask the printer for paper and online status before each ticket.")
@click.option("--status-timeout", default=2.0, show_default=True,
              help="Seconds to wait for the printer's status answer.")
@click.option("--qr", "qr_mode", type=click.Choice(["native", "image"]), default="native",
              show_default=True, envvar="MPP_PRINTER_QR",
              help="native: the printer draws the QR code (GS ( k); image: sent as a picture, "
                   "for printers without QR support.")
@click.option("--heartbeat-seconds", default=30.0, show_default=True,
              help="How often the printer's state is reported while all is well.")
@click.option("-v", "--verbose", is_flag=True)
def main(server: str, token: str, printer_spec: str, paper_name: str, journal: Path | None,
         retry_seconds: float, status_query: bool, status_timeout: float,
         qr_mode: str, heartbeat_seconds: float, verbose: bool) -> None:
    """Print the tickets of one kiosk: connect to SERVER and print each job on PRINTER."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    if not verbose:
        # python-escpos logs every connection open and close on the root logger
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda r: not (r.levelno < logging.WARNING
                                             and "escpos" in r.pathname))
    try:
        agent = PrintAgent(server, token, printer_spec, paper_name, journal, retry_seconds,
                           status_query, status_timeout,
                           heartbeat_seconds=heartbeat_seconds,
                           native_qr=qr_mode == "native")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc

    def _stop(*_: Any) -> None:
        agent.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"mpp print agent: {agent.spec.describe()} ({agent.paper.name} mm) "
               f"for {agent.server}; journal {agent.journal.path}", err=True)
    agent.run()
    if agent.exit_code:
        click.echo(f"mpp print agent stopped: {agent.exit_reason}", err=True)
        sys.exit(agent.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
