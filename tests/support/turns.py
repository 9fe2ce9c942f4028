"""Turns between the pytest-xdist workers: a test marked ``alone`` runs with no other test
beside it (it asserts latencies that the other workers' servers and browsers would eat into
on a 2-core machine); every other test runs beside any other that is not ``alone``.

Two lock files shared by the workers of one run (flock, released by the kernel if a worker
dies): each test holds ``run.lock`` shared, an ``alone`` test holds it exclusively. The
``gate.lock`` in front keeps an ``alone`` test from waiting forever behind a stream of
shared holders: it holds the gate while it waits, so that no worker starts another test
meanwhile; the others only pass through it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class Turns:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.gate = folder / "gate.lock"
        self.run = folder / "run.lock"

    @contextmanager
    def _held(self, path: Path, mode: int) -> Iterator[None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode)  # blocks until granted
            yield
        finally:
            os.close(fd)  # and with it the lock

    @contextmanager
    def turn(self, alone: bool) -> Iterator[None]:
        """Held while one test runs (its setup, call and teardown)."""
        with ExitStack() as held:
            with self._held(self.gate, fcntl.LOCK_EX):  # let go once the run lock is held
                held.enter_context(self._held(self.run,
                                              fcntl.LOCK_EX if alone else fcntl.LOCK_SH))
            yield
