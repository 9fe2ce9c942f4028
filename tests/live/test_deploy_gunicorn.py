"""deploy/gunicorn.conf.py serves as `mpp run` does (gevent workers): started the way the
systemd unit starts it, it answers the API and holds more live sockets than the threaded
worker it replaced had threads (200), while kiosks still get their tickets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..support.api import Api
from ..support.crowd import Crowd, Screen
from ..support.deploy_server import CONFIG, GUNICORN, ROOT, deploy_server


@pytest.mark.xdist_group("heavy")  # loads the machine for long: not beside the others
def test_the_production_config_serves_the_api_and_hundreds_of_sockets(
        _sqlite_template: Path, tmp_path: Path):
    with deploy_server(_sqlite_template, tmp_path) as server:
        url = server.url
        hall = Api(url)
        tickets = [hall.issue("KK") for _ in range(250)]
        screens = [Screen("page", url, {"ticket_token": t["token"]}, t["number"])
                   for t in tickets]
        with Crowd(screens) as crowd:
            assert all(s.connected_at is not None for s in crowd.report())
            # with 250 sockets held (a threaded worker of 200 threads would hang), a kiosk
            # is still answered
            assert hall.issue("KK")["status"] == "waiting"
        printed = subprocess.run([str(GUNICORN), "-c", str(CONFIG), "--print-config",
                                  "mpp.wsgi:app"], cwd=ROOT, env=server.env,
                                 capture_output=True, text=True, timeout=60).stdout
        assert "worker_class                       = gevent" in printed, printed
