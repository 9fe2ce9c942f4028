"""A restart of the server loses nothing: tickets, sequences and the event log survive."""

from __future__ import annotations

import re

import pytest

from ..support.api import Api
from ..support.factories import Factories
from ..support.live import FreshRun, LiveServer

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


def test_restart_keeps_tickets_sequences_and_events(any_db_url, tmp_path):
    server = LiveServer(any_db_url, tmp_path / "live").start()
    try:
        make = Factories.live(server)  # a service (prefix Q), counter and clerk of its own
        desk = make.desk(prefix="Q")
        make.close()
        api = Api(server.url)
        staff = api.login(desk.staff)
        issued = [api.issue(desk.code) for _ in range(3)]
        cid = api.open_counter(desk.staff, desk.counter)
        called = api.call_next(desk.staff, cid)
        before = api.get("/queue").ok()

        server.restart()

        # The staff token, the open counter and the called ticket are all still there.
        api = Api(server.url)  # a new connection; the same token
        after = api.get("/queue").ok()
        assert after["counters"] == before["counters"]
        recent = [c["ticket"]["number"] for c in after["recent_calls"]]
        assert recent == [called["number"]]
        t = api.ticket(issued[1]["token"])
        assert (t["number"], t["status"]) == (issued[1]["number"], "waiting")
        assert api.issue(desk.code)["number"] == "Q004"
        r = api.post(f"/tickets/{called['id']}/finish", token=staff)
        assert r.status == 200 and r.body["ticket"]["status"] == "done"
    finally:
        server.stop()

    from sqlalchemy import select

    from mpp.db import Database
    from mpp.models import TicketEvent

    db = Database(any_db_url)
    with db.read() as s:
        kinds = s.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == called["id"]).order_by(TicketEvent.id)).all()
    db.dispose()
    assert kinds == ["issued", "called", "finished"]


def test_the_secret_key_made_once_survives_a_restart(tmp_path):
    """Without MPP_SECRET_KEY, `mpp run` makes a key once in its data folder: after a restart
    a signed-in browser stays signed in and the demo devices' tokens still work."""
    first = FreshRun(tmp_path).start()
    try:
        key = (tmp_path / "instance" / "secret_key").read_text()
        kiosk = re.search(r"^  kiosk +\S+token=(\S+)$", first.output, re.M).group(1)
        browser = Api(first.url)
        assert browser.sign_in("admin").status == 302  # the demo admin's password
        assert browser.get("/auth/me").status == 200
    finally:
        first.stop()
    second = FreshRun(tmp_path, clock_offset=first.clock_offset).start()
    try:
        assert "Demo MPP loaded." not in second.output  # the same database, kept
        assert f"token={kiosk}" in second.output
        assert (tmp_path / "instance" / "secret_key").read_text() == key
        again = Api(second.url)
        again.http.cookies.update(browser.http.cookies)  # the cookie of before
        me = again.get("/auth/me")
        assert me.status == 200 and me.body["name"]
        r = again.post("/tickets", {"service_id": again.service_id("KTP")}, token=kiosk)
        assert r.status == 201
    finally:
        second.stop()
