"""Numbering and calling stay exact when many kiosks and counters act at once, on SQLite and
on PostgreSQL (each test runs on both backends). The service (prefix Q), its counters and
clerks are the test's own (support/factories.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from mpp.models import Service, ServiceDay, Ticket, TicketEvent

from ..support.api import Api
from ..support.factories import Factories

ISSUERS, PER_ISSUER = 20, 50
COUNTERS, QUEUE = 8, 500


def _service(app, **fields) -> str:  # type: ignore[no-untyped-def]
    """A service of the test's own, prefix Q, no daily quota unless told; its code."""
    return Factories(app).service(prefix="Q", **fields)


def test_twenty_kiosks_issuing_at_once_give_numbers_001_to_1000_once_each(any_app):
    api = Api(any_app.test_client())
    service_id = api.service_id(_service(any_app))
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

    expected = [f"Q{i:03d}" for i in range(1, 1000)] + ["Q1000"]
    assert sorted(numbers, key=lambda n: int(n[1:])) == expected
    with any_app.extensions["mpp"].db.read() as s:
        sequences = s.scalars(select(Ticket.sequence).where(Ticket.service_id == service_id))
        assert sorted(sequences) == list(range(1, 1001))


def _eight_counters(app) -> tuple[str, list[tuple[int, str]]]:  # type: ignore[no-untyped-def]
    """A service (prefix Q) with eight counters serving it, a clerk at each, open; returns
    the service's code and (counter id, user) of each."""
    make = Factories(app)
    code = make.service(prefix="Q")
    api = Api(app.test_client())
    desks = []
    for _ in range(COUNTERS):
        name = make.counter_name(make.counter([code]))
        user = make.staff()
        desks.append((api.open_counter(user, name), user))
    return code, desks


def test_eight_counters_calling_at_once_never_call_one_ticket_twice_and_leave_none(any_app):
    code, desks = _eight_counters(any_app)
    api = Api(any_app.test_client())
    issued = {api.issue(code, priority=(i % 7 == 0))["id"] for i in range(QUEUE)}
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
        code, desks = _eight_counters(app)
        desks = desks[:2]
        service_id = Api(app.test_client()).service_id(code)
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
    """50 tries for 30 places at once: 30 tickets Q001-Q030, 20 clear refusals, and the day's
    sequence stays at 30, so the place freed by a raised quota is Q031."""
    code = _service(any_app, daily_quota=QUOTA)
    service_id = _set_quota(any_app, code, QUOTA)
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
    assert numbers == [f"Q{i:03d}" for i in range(1, QUOTA + 1)]
    assert [a for a in answers if a[0] != 201] == [(409, "quota_reached")] * (
        KIOSKS * TRIES - QUOTA)
    with any_app.extensions["mpp"].db.read() as s:
        assert s.scalars(select(ServiceDay.last_sequence).where(
            ServiceDay.service_id == service_id)).one() == QUOTA
    _set_quota(any_app, code, QUOTA + 1)
    r = Api(any_app.test_client()).post("/tickets", {"service_id": service_id}, token=token)
    assert r.status == 201 and r.body["ticket"]["number"] == f"Q{QUOTA + 1:03d}"
