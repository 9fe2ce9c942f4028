"""Places hold exactly when many citizens book at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from mpp.models import Booking, Ticket

from ..support.api import Api
from .conftest import TOMORROW, book, booking_service

CLIENTS = 50


def test_fifty_clients_booking_the_last_ten_places_of_a_slot_get_exactly_ten(any_app):
    sid = booking_service(any_app, {"per_slot": 12})
    api = Api(any_app.test_client())
    for i in range(2):
        assert book(api, sid, phone=f"0811000000{i:02d}").status == 201
    start = threading.Barrier(CLIENTS)

    def citizen(i: int) -> tuple[int, str | None]:
        client = Api(any_app.test_client())
        start.wait()
        r = book(client, sid, phone=f"0812000000{i:02d}")
        return r.status, r.error

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(citizen, range(CLIENTS)))
    assert sorted(answers, key=str).count((201, None)) == 10
    assert all(a == (409, "slot_full") for a in answers if a != (201, None))
    with any_app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(func.count(Booking.id))) == 12
    slot = next(x for x in api.get(f"/services/{sid}/slots?date={TOMORROW}").body["slots"]
                if x["start"].endswith("09:00:00+08:00"))
    assert slot["available"] == 0


def test_walk_ins_and_bookings_at_once_never_pass_the_daily_quota(any_app):
    quota = 20
    sid = booking_service(any_app, {"per_slot": 100}, hours="00:00-24:00", daily_quota=quota)
    kiosk = Api(any_app.test_client()).device_token()
    start = threading.Barrier(40)

    def walk_in(_: int) -> int:
        client = Api(any_app.test_client())
        start.wait()
        return client.post("/tickets", {"service_id": sid}, token=kiosk).status

    def booker(i: int) -> int:
        client = Api(any_app.test_client())
        start.wait()
        return book(client, sid, start="2026-11-23T12:00", phone=f"0812000000{i:02d}").status

    with ThreadPoolExecutor(40) as pool:
        walks = [pool.submit(walk_in, i) for i in range(20)]
        books = [pool.submit(booker, i) for i in range(20)]
        statuses = [f.result() for f in walks + books]
    assert statuses.count(201) == quota
    assert set(statuses) == {201, 409}
    with any_app.extensions["mpp"].db.read() as s:
        tickets = s.scalar(select(func.count(Ticket.id)).where(Ticket.service_id == sid))
        bookings = s.scalar(select(func.count(Booking.id)).where(Booking.service_id == sid))
    assert tickets + bookings == quota
