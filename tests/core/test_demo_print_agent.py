"""`mpp run` with the demo runs the demo printer's agent itself, printing into a file, so a
newcomer's kiosk tickets print instead of showing "Printer bermasalah" (issue 12)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from ..support.api import Api
from ..support.live import FreshRun

pytestmark = pytest.mark.per_day


def test_the_demo_prints_its_kiosk_tickets_into_a_file(tmp_path: Path) -> None:
    run = FreshRun(tmp_path).start()
    try:
        paper = tmp_path / "instance" / "demo-tickets.bin"
        assert re.search(r"^  print agent +running by itself: tickets print into "
                         + re.escape(str(paper.resolve())), run.output, re.M), run.output
        kiosk = re.search(r"#token=(\S+)", run.output)
        assert kiosk
        base = run.url
        api = Api(base)
        ticket = api.post("/tickets", {"service_id": api.service_id("KTP")},
                          token=kiosk.group(1)).ok()["ticket"]
        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline:
            status = api.get(f"/tickets/by-token/{ticket['token']}/print").ok()
            state = (status.get("job") or {}).get("state")
            if state == "printed":
                break
            time.sleep(0.3)
        assert state == "printed", status
        assert paper.exists() and ticket["number"].encode() in paper.read_bytes()
    finally:
        run.stop()
