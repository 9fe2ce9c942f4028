"""`mpp run` on a fresh machine: it makes its SQLite database, loads the demo MPP, prints the
addresses to open and the demo logins, and serves them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from ..support.live_clock import clock_env, live_offset

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


def _wait_until_serving(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{base} did not answer within {timeout} s")


def test_mpp_run_in_an_empty_folder_serves_the_demo_it_announces(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(clock_env(live_offset()))  # per-day numbers: the hour the suite chose
    # port 0: the server binds a free port itself and announces it
    proc = subprocess.Popen([sys.executable, "-m", "mpp.cli", "run", "--host", "127.0.0.1",
                             "--port", "0"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "mpp run ended early:\n" + "".join(lines)
            lines.append(line)
            if line.startswith("Serving on"):
                break
        out = "".join(lines)
        assert "Demo MPP loaded." in out, out
        serving = re.match(r"Serving on http://127\.0\.0\.1:(\d+) ", lines[-1])
        assert serving, lines[-1]
        port = int(serving.group(1))
        assert (tmp_path / "instance" / "mpp.sqlite3").exists()  # the embedded default
        links = dict(re.findall(r"^  (kiosk|display board|counter console|dashboard|admin|API)"
                                r" +(\S+)$", out, re.M))
        assert sorted(links) == sorted(["kiosk", "display board", "counter console",
                                        "dashboard", "admin", "API"]), out
        for login in ("admin", "manajer", "dukcapil1"):
            assert re.search(rf"^  {login} +\S+", out, re.M), out
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base)
        # every announced page answers (they name this host's LAN address; ask on loopback),
        # and the kiosk link's token really issues tickets
        for url in links.values():
            parts = urlsplit(url)
            assert parts.port == port, url
            page = f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else "")
            assert requests.get(page, timeout=5).status_code == 200, url
        kiosk_token = links["kiosk"].split("token=")[1]
        services = requests.get(f"{base}/api/v1/services", timeout=5).json()["services"]
        ktp = next(s for s in services if s["code"] == "KTP")
        r = requests.post(f"{base}/api/v1/tickets", json={"service_id": ktp["id"]},
                          headers={"Authorization": f"Bearer {kiosk_token}"}, timeout=5)
        assert r.status_code == 201 and r.json()["ticket"]["number"] == "A001"
        r = requests.post(f"{base}/api/v1/auth/login", timeout=5,
                          json={"username": "admin", "password": "admin-mpp"})
        assert r.status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
