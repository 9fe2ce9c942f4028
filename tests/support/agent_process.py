"""The print agent as a separate process, as the kiosk PC runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from mpp.services.demo import demo_device_token

from .databases import TEST_SECRET

PRINTER = demo_device_token(TEST_SECRET, "printer-1")


class Agent:
    """`python -m printer.agent` as the kiosk PC would run it."""

    def __init__(self, server: str, printer: str, journal: Path, log: Path,
                 *extra: str, env: dict[str, str] | None = None):
        self.args = [sys.executable, "-m", "printer.agent", "--server", server, "--token",
                     PRINTER, "--printer", printer, "--journal", str(journal),
                     "--retry-seconds", "1", *extra]
        self.log = log
        self.env = {**os.environ, **env} if env else None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Agent:
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flushing, as when the kiosk PC loses power."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def exited(self) -> int | None:
        """The exit status once the agent has stopped by itself, else None."""
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            self.proc = None  # it stopped by itself
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            self.proc = None
