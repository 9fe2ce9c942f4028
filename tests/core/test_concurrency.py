"""Numbering and calling stay exact when many kiosks and counters act at once, on SQLite and
on PostgreSQL (each test runs on both backends)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from mpp.models import Service, ServiceDay, Ticket, TicketEvent
from mpp.services import accounts
from mpp.services.site_layout import load_layout

from ..support.api import STAFF_PASSWORD, Api

ISSUERS, PER_ISSUER = 20, 50
COUNTERS, QUEUE = 8, 500


def test_twenty_kiosks_issuing_at_once_give_numbers_001_to_1000_once_each(any_app):
    api = Api(any_app.test_client())
    service_id = api.service_id("KK")  # no daily quota
    token = api.device_token("kiosk-1")
    start = threading.Barrier(ISSUERS)

    def kiosk(_: int) -> list[str]:
        client = Api(any_app.test_client())
        start.wait()
        numbers = []
        for _ in range(PER_ISSUER):
            r = client.post("/tickets", {"service_id": service_id}, token=token)
            assert r.status == 201, r.body
            numbers.append(r.body["ticket"]["number"])
        return numbers

    with ThreadPoolExecutor(ISSUERS) as pool:
        numbers = [n for batch in pool.map(kiosk, range(ISSUERS)) for n in batch]

    expected = [f"B{i:03d}" for i in range(1, 1000)] + ["B1000"]
    assert sorted(numbers, key=lambda n: int(n[1:])) == expected
    with any_app.extensions["mpp"].db.read() as s:
        sequences = s.scalars(select(Ticket.sequence).where(Ticket.service_id == service_id))
        assert sorted(sequences) == list(range(1, 1001))


def _eight_counters(app) -> list[tuple[int, str]]:
    """Adds Loket K1..K8 serving KK and a staff member for each; returns (counter id, user)."""
    hall = app.extensions["mpp"]
    with hall.db.write() as s:
        load_layout(s, {"site": {"code": "kendari", "name": "Mal Pelayanan Publik Kota Kendari",
                                 "timezone": "Asia/Makassar"},
                        "agencies": [{"code": "DUKCAPIL",
                                      "name": "Dinas Kependudukan dan Pencatatan Sipil",
                                      "short_name": "Disdukcapil", "sort_order": 0,
                                      "counters": [{"name": f"Loket K{i}", "services": ["KK"]}
                                                   for i in range(1, COUNTERS + 1)]}]},
                    hall.clock.now())
        for i in range(1, COUNTERS + 1):
            accounts.create_user(s, hall.clock.now(), f"kk{i}", STAFF_PASSWORD, "staff",
                                 "DUKCAPIL")
    api = Api(app.test_client())
    return [(api.open_counter(f"kk{i}", f"Loket K{i}"), f"kk{i}")
            for i in range(1, COUNTERS + 1)]


def test_eight_counters_calling_at_once_never_call_one_ticket_twice_and_leave_none(any_app):
    desks = _eight_counters(any_app)
    api = Api(any_app.test_client())
    issued = {api.issue("KK", priority=(i % 7 == 0))["id"] for i in range(QUEUE)}
    start = threading.Barrier(COUNTERS)

    def counter(desk: tuple[int, str]) -> list[int]:
        cid, user = desk
        client = Api(any_app.test_client())
        token = client.login(user)
        start.wait()
        called = []
        while True:
            r = client.post(f"/counters/{cid}/call-next", token=token)
            assert r.status == 200, r.body
            if r.body["ticket"] is None:
                return called
            tid = r.body["ticket"]["id"]
            called.append(tid)
            f = client.post(f"/tickets/{tid}/finish", token=token)
            assert f.status == 200, f.body

    with ThreadPoolExecutor(COUNTERS) as pool:
        per_counter = list(pool.map(counter, desks))

    called = [t for batch in per_counter for t in batch]
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert set(called) == issued, "a ticket was left behind"
    assert all(batch for batch in per_counter), "every counter took part"
    with any_app.extensions["mpp"].db.read() as s:
        calls = s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "called")).all()
        assert sorted(calls) == sorted(issued)
        assert not s.scalars(select(Ticket).where(Ticket.status == "waiting")).all()


def test_a_lower_number_is_never_called_after_a_higher_one_while_twenty_kiosks_issue(
        any_db_url):
    """With a clock that moves, each ticket's issue time is read under the numbering lock:
    the queue (by issue time) then calls a service's tickets in number order however many
    kiosks issue at once. (Read before the lock, B008 was called before B004.)"""
    from mpp.clock import SystemClock

    from ..conftest import make_app

    app = make_app(any_db_url, SystemClock())  # type: ignore[arg-type]
    try:
        desks = _eight_counters(app)[:2]
        service_id = Api(app.test_client()).service_id("KK")
        token = Api(app.test_client()).device_token("kiosk-1")
        start = threading.Barrier(ISSUERS + len(desks))
        issuing = threading.Event()

        def kiosk(_: int) -> None:
            client = Api(app.test_client())
            start.wait()
            for _ in range(15):
                r = client.post("/tickets", {"service_id": service_id}, token=token)
                assert r.status == 201, r.body

        def counter(desk: tuple[int, str]) -> None:
            cid, user = desk
            client = Api(app.test_client())
            staff = client.login(user)
            start.wait()
            while True:
                r = client.post(f"/counters/{cid}/call-next", token=staff)
                assert r.status == 200, r.body
                if r.body["ticket"] is None:
                    if not issuing.is_set():
                        return
                    continue
                f = client.post(f"/tickets/{r.body['ticket']['id']}/finish", token=staff)
                assert f.status == 200, f.body

        issuing.set()
        with ThreadPoolExecutor(ISSUERS + len(desks)) as pool:
            counters = [pool.submit(counter, d) for d in desks]
            for f in [pool.submit(kiosk, i) for i in range(ISSUERS)]:
                f.result()
            issuing.clear()
            for f in counters:
                f.result()

        with app.extensions["mpp"].db.read() as s:
            called = s.scalars(
                select(Ticket.sequence).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                .where(TicketEvent.kind == "called", Ticket.service_id == service_id)
                .order_by(TicketEvent.id)).all()
        assert len(called) == ISSUERS * 15
        late = [(a, b) for a, b in zip(called, called[1:], strict=False) if b < a]
        assert not late, f"called after a higher number: {late[:5]}"
    finally:
        app.extensions["mpp"].db.dispose()


QUOTA, KIOSKS, TRIES = 30, 10, 5


def _set_quota(app, code: str, quota: int) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.write() as s:
        service = s.scalars(select(Service).where(Service.code == code)).one()
        service.daily_quota = quota
        return service.id


def test_kiosks_racing_for_the_last_places_refused_tickets_cost_no_number(any_app):
    """50 tries for 30 places at once: 30 tickets B001-B030, 20 clear refusals, and the day's
    sequence stays at 30, so the place freed by a raised quota is B031."""
    service_id = _set_quota(any_app, "KK", QUOTA)
    token = Api(any_app.test_client()).device_token("kiosk-1")
    start = threading.Barrier(KIOSKS)

    def kiosk(_: int) -> list[tuple[int, str]]:
        client = Api(any_app.test_client())
        start.wait()
        answers = []
        for _ in range(TRIES):
            r = client.post("/tickets", {"service_id": service_id}, token=token)
            answers.append((r.status, r.body["ticket"]["number"] if r.status == 201
                            else r.error))
        return answers

    with ThreadPoolExecutor(KIOSKS) as pool:
        answers = [a for batch in pool.map(kiosk, range(KIOSKS)) for a in batch]

    numbers = sorted(n for status, n in answers if status == 201)
    assert numbers == [f"B{i:03d}" for i in range(1, QUOTA + 1)]
    assert [a for a in answers if a[0] != 201] == [(409, "quota_reached")] * (
        KIOSKS * TRIES - QUOTA)
    with any_app.extensions["mpp"].db.read() as s:
        assert s.scalars(select(ServiceDay.last_sequence).where(
            ServiceDay.service_id == service_id)).one() == QUOTA
    _set_quota(any_app, "KK", QUOTA + 1)
    r = Api(any_app.test_client()).post("/tickets", {"service_id": service_id}, token=token)
    assert r.status == 201 and r.body["ticket"]["number"] == f"B{QUOTA + 1:03d}"
