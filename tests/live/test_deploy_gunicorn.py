"""deploy/gunicorn.conf.py serves as `mpp run` does (gevent workers): started the way the
systemd unit starts it, it answers the API and holds more live sockets than the threaded
worker it replaced had threads (200), while kiosks still get their tickets."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from ..support import databases
from ..support.crowd import Crowd, Screen
from ..support.live_api import LiveApi

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def test_the_production_config_serves_the_api_and_hundreds_of_sockets(
        _sqlite_template: Path, tmp_path: Path):
    # the port is bound here and handed to gunicorn (fd://), so whoever answers on it is the
    # gunicorn started below, never another process that took a port freed for it
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MPP_DATABASE_URL": databases.sqlite_copy(_sqlite_template, tmp_path),
           "MPP_SECRET_KEY": databases.TEST_SECRET, "MPP_PUBLIC_URL": url,
           "MPP_DATA_DIR": str(tmp_path / "data"), "MPP_BIND": f"fd://{listener.fileno()}",
           "MPP_WORKERS": "1"}
    env.pop("MPP_REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(GUNICORN), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
                                 "mpp.wsgi:app"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                pass_fds=[listener.fileno()])
    listener.close()  # gunicorn holds it now
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/api/v1/services", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        hall = LiveApi(url)
        tickets = [hall.issue("KK") for _ in range(250)]
        screens = [Screen("page", url, {"ticket_token": t["token"]}, t["number"])
                   for t in tickets]
        with Crowd(screens) as crowd:
            assert all(s.connected_at is not None for s in crowd.report())
            # with 250 sockets held (a threaded worker of 200 threads would hang), a kiosk
            # is still answered
            assert hall.issue("KK")["status"] == "waiting"
        printed = subprocess.run([str(GUNICORN), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
                                  "--print-config", "mpp.wsgi:app"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60).stdout
        assert "worker_class                       = gevent" in printed, printed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
