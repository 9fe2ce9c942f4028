"""The database goes away: clear 503s, nothing half-written, recovery without a restart.

PostgreSQL: two server processes reach the database through a proxy the test cuts for 10 s
(open links reset, new ones refused), as when the database host reboots. SQLite: the disk
fills up (SQLite's max_page_count stands in for a full filesystem)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from mpp.db import Database
from mpp.models import Ticket

from ..support.api import Api
from ..support.factories import Factories
from ..support.live import LiveServer
from .netfault import CuttableProxy

OUTAGE_SECONDS = 10


def _numbers(url: str, code_prefix: str) -> list[str]:
    db = Database(url)
    with db.read() as s:
        numbers = list(s.scalars(select(Ticket.number).where(
            Ticket.number.like(f"{code_prefix}%")).order_by(Ticket.sequence)))
    db.dispose()
    return numbers


@pytest.mark.xdist_group("heavy")  # loads the machine for long: not beside the others
def test_postgresql_unreachable_for_ten_seconds_gives_503s_then_recovers(
        pg_url: str, redis_url: str, tmp_path: Path):
    target = make_url(pg_url)
    proxy = CuttableProxy((target.host or "127.0.0.1", target.port or 5432))
    through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    env = {"MPP_REDIS_CHANNEL": f"mpp-test-{uuid.uuid4().hex[:12]}"}
    a = LiveServer(through, tmp_path / "a", redis_url=redis_url, extra_env=env).start()
    b = LiveServer(through, tmp_path / "b", redis_url=redis_url, extra_env=env,
                   clock_offset=a.clock_offset).start()
    try:
        apis = [Api(a.url), Api(b.url)]
        make = Factories.live(a)  # a service of the test's own, prefix Q
        code = make.service(prefix="Q")
        make.close()
        service = apis[0].service_id(code)
        kiosk = apis[0].device_token()
        got: list[str] = [apis[i % 2].issue(code)["number"] for i in range(4)]

        proxy.cut()
        started = time.monotonic()
        refusals: dict[str, int] = {}
        while time.monotonic() - started < OUTAGE_SECONDS:
            for api in apis:
                r = api.post("/tickets", {"service_id": service}, token=kiosk)
                assert r.status == 503, (r.status, r.text)
                assert r.headers["Retry-After"] == "5"
                body = r.body
                assert body["error"]["code"] == "database_unavailable"
                assert "coba lagi" in body["error"]["message"]
                refusals[body["error"]["code"]] = refusals.get(body["error"]["code"], 0) + 1
            ready = api.page("/readyz")
            assert ready.status == 503
            assert ready.body["database"].startswith("unreachable")
            time.sleep(0.2)

        proxy.restore()
        restored = time.monotonic()
        recovered: list[float] = []
        for api in apis:  # each process reconnects by itself: no restart
            while True:
                r = api.post("/tickets", {"service_id": service}, token=kiosk)
                if r.status == 201:
                    got.append(r.body["ticket"]["number"])
                    recovered.append(time.monotonic() - restored)
                    break
                assert r.status == 503, r.text
                assert time.monotonic() - restored < 30, "no recovery within 30 s"
                time.sleep(0.2)
        assert all(api.page("/readyz").status == 200 for api in apis)
        print(f"\ndatabase cut {OUTAGE_SECONDS} s: {refusals.get('database_unavailable')} "
              f"issues refused with 503 database_unavailable; both processes issued again "
              f"{max(recovered):.2f} s after it came back")
        # nothing half-written: the refused issues took no number
        assert got == [f"Q{n:03d}" for n in range(1, 7)]
        assert _numbers(pg_url, "Q") == got
    finally:
        b.stop()
        a.stop()
        proxy.close()


def test_sqlite_disk_full_gives_a_clear_error_and_no_corruption(db_url, clock, api, app, make):
    code = make.service(prefix="Q")  # a service of the test's own
    db = app.extensions["mpp"].db
    with db.read() as s:
        pages = s.execute(text("PRAGMA page_count")).scalar_one()
    limit = {"pages": pages + 2}

    @event.listens_for(db.engine, "connect")
    def _small_disk(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit['pages']}")

    db.engine.dispose()
    issued: list[str] = []
    answer = None
    for _ in range(500):  # a few pages hold dozens of tickets: the disk fills quickly
        r = api.post("/tickets", {"service_id": api.service_id(code)},
                     token=api.device_token())
        if r.status != 201:
            answer = r
            break
        issued.append(r.body["ticket"]["number"])
    assert answer is not None, "the disk never filled"
    assert answer.status == 503
    assert answer.body["error"]["code"] == "storage_full"
    assert "penuh" in answer.body["error"]["message"]
    print(f"\nSQLite full after {len(issued)} tickets: 503 storage_full")

    with db.read() as s:
        assert s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert _numbers(db_url, "Q") == issued  # every 201 is there, the refused one left nothing

    limit["pages"] = 1_000_000  # space freed: the same process issues again
    db.engine.dispose()
    assert api.issue(code)["number"] == f"Q{len(issued) + 1:03d}"
