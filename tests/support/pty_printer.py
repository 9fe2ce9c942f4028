"""A serial receipt printer on a pseudo-terminal, as a printer on /dev/ttyUSB0 behaves.

The agent opens the slave end (``serial:/dev/pts/N:9600``) through pyserial like a real
serial port; this side reads the master end. A serial line has no connections, so tickets
are told apart by their content: each one ends with its cut (the decoder reads the bytes up
to it). Real-time status queries (DLE EOT 1 and 4) between tickets are answered from
``online`` and ``paper``, as the network printer does; ``powered = False`` stands for a
printer that is switched off: it answers nothing and keeps nothing of what reaches it.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty

from .escpos_decode import DecodeError, decode
from .fake_printer import DLE_EOT, ReceivedTickets, status_byte


class PtyPrinter(ReceivedTickets):
    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        # Raw from the start; the test keeps the slave open, so the master never sees a
        # hang-up between the agent closing the port and opening it again.
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.paper = "ok"  # ok | low | out
        self.online = True
        self.powered = True
        self.jobs: list[bytes] = []  # one entry per complete ticket (up to its cut)
        self.status_queries = 0
        self.unheard = bytearray()  # what reached the printer while it was switched off
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"serial:{self.path}:9600"

    def _serve(self) -> None:
        buf = bytearray()
        job: bytearray | None = None
        while not self._closed:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not self.powered:
                self.unheard += chunk
                continue
            buf += chunk
            while buf:
                if job is None:
                    if buf[:2] == DLE_EOT and len(buf) >= 3:
                        n = buf[2]
                        del buf[:3]
                        with self._lock:
                            self.status_queries += 1
                        os.write(self.master, status_byte(n, self.online, self.paper))
                        continue
                    if len(buf) < 3 and DLE_EOT.startswith(bytes(buf)):
                        break  # the rest of a query is on its way
                    job = bytearray()
                # the ticket ends at its cut; what follows (the next job's status query,
                # read together with this one's last bytes on a busy machine) is not part of it
                end = self._end_of_ticket(job, buf)
                if end is None:
                    job += buf
                    buf.clear()
                    continue
                job += buf[:end]
                del buf[:end]
                with self._lock:
                    self.jobs.append(bytes(job))
                job = None

    @classmethod
    def _end_of_ticket(cls, job: bytearray, buf: bytearray) -> int | None:
        """How many bytes of ``buf`` complete the ticket ``job`` began (up to the end of a
        cut, GS V), or None if the ticket goes on past ``buf``."""
        data = job + buf
        at = max(0, len(job) - 3)  # a cut may have begun in what was read before
        while (at := data.find(b"\x1dV", at)) != -1:
            size = 4 if len(data) > at + 2 and data[at + 2] in (65, 66) else 3
            end = at + size
            if end <= len(data) and cls._complete(data[:end]):
                return end - len(job)
            at += 1
        return None

    @staticmethod
    def _complete(data: bytearray) -> bool:
        try:
            receipt = decode(bytes(data))
        except DecodeError:
            return False  # cut short: more is coming
        return bool(receipt.items) and str(receipt.items[-1]).startswith("cut:")

    def close(self) -> None:
        self._closed = True
        self._thread.join(timeout=2)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
