"""A network receipt printer on a local TCP port, as a printer on port 9100 behaves.

It keeps every byte of each connection, answers the real-time status queries
(DLE EOT 1: online, DLE EOT 4: paper sensor) according to its ``paper``/``online`` settings,
and can ``hold`` its status answers to stand for a printer that is busy mid-job.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from .escpos_decode import Receipt, decode

DLE_EOT = b"\x10\x04"


def status_byte(n: int, online: bool, paper: str) -> bytes:
    """A printer's answer to DLE EOT ``n``: 1 online (bit 3 set: offline), 4 paper sensor."""
    if n == 1:
        return bytes([0x12 | (0 if online else 0x08)])
    if n == 4:
        return bytes([{"ok": 0x12, "low": 0x1E, "out": 0x72}[paper]])
    return b"\x12"


class ReceivedTickets:
    """What a fake printer received: ``jobs`` (the bytes of each ticket), decoded on demand."""

    jobs: list[bytes]
    _lock: threading.Lock

    def receipts(self) -> list[Receipt]:
        with self._lock:
            return [decode(job) for job in self.jobs]

    def numbers(self) -> list[str]:
        """The ticket number printed on each ticket received, in order."""
        out = []
        for r in self.receipts():
            big = [line.text for line in r.lines if line.width >= 2 and line.text]
            out.append(big[0] if big else "?")
        return out


class FakeNetworkPrinter(ReceivedTickets):
    def __init__(self, port: int = 0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.paper = "ok"  # ok | low | out
        self.online = True
        self.hold = threading.Event()  # set: status queries get no answer until cleared
        self.jobs: list[bytes] = []  # ticket bytes, one entry per connection that sent any
        self.status_queries = 0
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        data = bytearray()
        buf = bytearray()
        conn.settimeout(0.2)
        try:
            while not self._closed:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
                # Status queries come before the ticket on each connection.
                while not data and len(buf) >= 3 and buf[:2] == DLE_EOT:
                    n = buf[2]
                    del buf[:3]
                    with self._lock:
                        self.status_queries += 1
                    while self.hold.is_set() and not self._closed:
                        time.sleep(0.05)
                    conn.sendall(status_byte(n, self.online, self.paper))
                if buf and not (len(buf) < 3 and DLE_EOT.startswith(bytes(buf))):
                    data += buf
                    buf.clear()
        finally:
            conn.close()
            if data:
                with self._lock:
                    self.jobs.append(bytes(data))

    def close(self) -> None:
        self._closed = True
        self.hold.clear()
        self.sock.close()


def wait_for(check: Callable[[], object], timeout: float = 15.0, what: str = "") -> object:
    """Poll ``check`` until it returns something truthy; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}: last {last!r}")
