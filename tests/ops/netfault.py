"""Network faults made in the test, with no root and no effect on the shared servers: a
loopback TCP proxy the server under test reaches PostgreSQL or Redis through, which can be
cut (every open link closed, new ones refused) and restored; and a port that refuses."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections while the block runs: bound (so no other
    process takes it) but not listening."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


class CuttableProxy:
    """Forwards 127.0.0.1:``port`` to ``target``. ``cut()`` closes every open link and
    refuses new ones (as a server that went away: a reset, not a hang); ``restore()`` lets
    connections through again. ``links`` counts the links accepted so far."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links = 0
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self._up:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self.links += 1
                self._open |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in sel.select():
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            with self._lock:
                self._open -= {a, b}
            for s in (a, b):
                _reset(s)

    def cut(self) -> None:
        """The server is gone: open links reset, new ones refused."""
        self._up = False
        with self._lock:
            links = list(self._open)
        for s in links:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self._up = True

    def close(self) -> None:
        self._stop = True
        self.cut()
        self.listener.close()


def _reset(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    with contextlib.suppress(OSError):
        s.close()
