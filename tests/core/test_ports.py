"""The check that the process answering on a port is the one a test started
(tests/support/ports.py, used where a server cannot bind port 0 itself)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from ..support.ports import listens_on

HOLD = ("import socket, sys; s = socket.create_server(('127.0.0.1', 0)); "
        "print(s.getsockname()[1], flush=True); sys.stdin.read()")


def test_a_port_is_found_on_the_process_that_listens_and_on_no_other() -> None:
    with socket.create_server(("127.0.0.1", 0)) as mine:
        port = mine.getsockname()[1]
        other = subprocess.Popen([sys.executable, "-c", HOLD], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout is not None
            theirs = int(other.stdout.readline())
            assert listens_on(os.getpid(), port)
            assert not listens_on(other.pid, port)
            assert listens_on(other.pid, theirs)
            assert not listens_on(os.getpid(), theirs)
        finally:
            other.communicate("", timeout=10)
    assert not listens_on(os.getpid(), port)  # closed
