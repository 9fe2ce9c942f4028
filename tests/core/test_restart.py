"""A restart of the server loses nothing: tickets, sequences and the event log survive."""

from __future__ import annotations

import re

import pytest
import requests

from mpp.services.demo import demo_device_token

from ..support.api import ADMIN_PASSWORD, STAFF_PASSWORD
from ..support.databases import TEST_SECRET
from ..support.live import FreshRun, LiveServer

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


def test_restart_keeps_tickets_sequences_and_events(any_db_url, tmp_path):
    server = LiveServer(any_db_url, tmp_path / "live").start()
    try:
        base = f"{server.url}/api/v1"
        kiosk = {"Authorization": f"Bearer {demo_device_token(TEST_SECRET, 'kiosk-1')}"}
        token = requests.post(f"{base}/auth/login", json={"username": "dukcapil1",
                                                            "password": STAFF_PASSWORD}).json()
        staff = {"Authorization": f"Bearer {token['token']}"}
        services = requests.get(f"{base}/services").json()["services"]
        kk = next(s["id"] for s in services if s["code"] == "KK")
        issued = [requests.post(f"{base}/tickets", json={"service_id": kk}, headers=kiosk).json()
                  ["ticket"] for _ in range(3)]
        counters = requests.get(f"{base}/counters").json()["counters"]
        loket2 = next(c["id"] for c in counters if c["name"] == "Loket 2")
        assert requests.post(f"{base}/counters/{loket2}/open", headers=staff).status_code == 200
        called = requests.post(f"{base}/counters/{loket2}/call-next", headers=staff).json()
        before = requests.get(f"{base}/queue").json()

        server.restart()

        # The staff token, the open counter and the called ticket are all still there.
        after = requests.get(f"{base}/queue").json()
        assert after["counters"] == before["counters"]
        recent = [c["ticket"]["number"] for c in after["recent_calls"]]
        assert recent == [called["ticket"]["number"]]
        t = requests.get(f"{base}/tickets/by-token/{issued[1]['token']}").json()["ticket"]
        assert (t["number"], t["status"]) == (issued[1]["number"], "waiting")
        nxt = requests.post(f"{base}/tickets", json={"service_id": kk}, headers=kiosk).json()
        assert nxt["ticket"]["number"] == "B004"
        r = requests.post(f"{base}/tickets/{called['ticket']['id']}/finish", headers=staff)
        assert r.status_code == 200 and r.json()["ticket"]["status"] == "done"
    finally:
        server.stop()

    from sqlalchemy import select

    from mpp.db import Database
    from mpp.models import TicketEvent

    db = Database(any_db_url)
    with db.read() as s:
        kinds = s.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == called["ticket"]["id"]).order_by(TicketEvent.id)).all()
    db.dispose()
    assert kinds == ["issued", "called", "finished"]


def test_the_secret_key_made_once_survives_a_restart(tmp_path):
    """Without MPP_SECRET_KEY, `mpp run` makes a key once in its data folder: after a restart
    a signed-in browser stays signed in and the demo devices' tokens still work."""
    first = FreshRun(tmp_path).start()
    try:
        key = (tmp_path / "instance" / "secret_key").read_text()
        kiosk = re.search(r"^  kiosk +\S+token=(\S+)$", first.output, re.M).group(1)
        browser = requests.Session()
        csrf = browser.get(f"{first.url}/api/v1/session", timeout=10).json()["csrf_token"]
        r = browser.post(f"{first.url}/login", timeout=10, allow_redirects=False, data={
            "username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf})
        assert r.status_code == 302
        assert browser.get(f"{first.url}/api/v1/auth/me", timeout=10).status_code == 200
    finally:
        first.stop()
    second = FreshRun(tmp_path, clock_offset=first.clock_offset).start()
    try:
        assert "Demo MPP loaded." not in second.output  # the same database, kept
        assert f"token={kiosk}" in second.output
        assert (tmp_path / "instance" / "secret_key").read_text() == key
        me = browser.get(f"{second.url}/api/v1/auth/me", timeout=10)  # the cookie of before
        assert me.status_code == 200 and me.json()["name"]
        services = requests.get(f"{second.url}/api/v1/services", timeout=10).json()["services"]
        ktp = next(s["id"] for s in services if s["code"] == "KTP")
        r = requests.post(f"{second.url}/api/v1/tickets", json={"service_id": ktp}, timeout=10,
                          headers={"Authorization": f"Bearer {kiosk}"})
        assert r.status_code == 201
    finally:
        second.stop()
