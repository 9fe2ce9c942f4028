"""`mpp run` on a fresh machine: it makes its SQLite database, loads the demo MPP, prints the
addresses to open and the demo logins, and serves them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from ..support.api import Api
from ..support.live import FreshRun

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


def test_mpp_run_in_an_empty_folder_serves_the_demo_it_announces(tmp_path: Path) -> None:
    run = FreshRun(tmp_path).start()  # port 0: it binds a free port and announces it
    try:
        out, port, base = run.output, run.port, run.url
        assert "Demo MPP loaded." in out, out
        assert (tmp_path / "instance" / "mpp.sqlite3").exists()  # the embedded default
        links = dict(re.findall(r"^  (kiosk|display board|counter console|dashboard|admin|API)"
                                r" +(\S+)$", out, re.M))
        assert sorted(links) == sorted(["kiosk", "display board", "counter console",
                                        "dashboard", "admin", "API"]), out
        for login in ("admin", "manajer", "dukcapil1"):
            assert re.search(rf"^  {login} +\S+", out, re.M), out
        # every announced page answers (they name this host's LAN address; ask on loopback),
        # and the kiosk link's token really issues tickets
        for url in links.values():
            parts = urlsplit(url)
            assert parts.port == port, url
            page = f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else "")
            assert requests.get(page, timeout=5).status_code == 200, url
        kiosk_token = links["kiosk"].split("token=")[1]
        api = Api(base)
        r = api.post("/tickets", {"service_id": api.service_id("KTP")}, token=kiosk_token)
        assert r.status == 201 and r.body["ticket"]["number"] == "A001"
        api.login("admin")  # the demo's password, as printed
    finally:
        run.stop()
