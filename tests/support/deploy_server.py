"""The production server as the systemd unit starts it: gunicorn with deploy/gunicorn.conf.py
and `mpp.wsgi:app`, on a port bound here and handed over (fd://), so whoever answers on it is
that gunicorn, never another process that took a port freed for it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from . import databases

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CONFIG = ROOT / "deploy/gunicorn.conf.py"


@dataclass
class DeployServer:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    #: when gunicorn was started (monotonic), for deadlines that count its start-up
    started: float


@contextlib.contextmanager
def deploy_server(template: Path, tmp_path: Path, workers: int = 1,
                  extra_env: dict[str, str] | None = None, ready_within: float = 30,
                  stop_signal: int = signal.SIGTERM) -> Iterator[DeployServer]:
    """Start it over a copy of the demo database ``template``, wait until `/readyz` answers
    200, and stop it with ``stop_signal`` when the block ends."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {**os.environ, "MPP_DATABASE_URL": databases.sqlite_copy(template, tmp_path),
           "MPP_SECRET_KEY": databases.TEST_SECRET, "MPP_PUBLIC_URL": url,
           "MPP_DATA_DIR": str(tmp_path / "data"), "MPP_BIND": f"fd://{listener.fileno()}",
           "MPP_WORKERS": str(workers), **(extra_env or {})}
    env.pop("MPP_REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(GUNICORN), "-c", str(CONFIG), "mpp.wsgi:app"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, pass_fds=[listener.fileno()])
    listener.close()  # gunicorn holds it now
    try:
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < started + ready_within, log.read_text()[-3000:]
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        yield DeployServer(url, proc, log, env, started)
    finally:
        os.killpg(proc.pid, stop_signal)
        proc.wait(15)
