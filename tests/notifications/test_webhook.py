"""The contract's webhook against a real local HTTP receiver, on SQLite and PostgreSQL:
delivered and signed, retried with the same id until the receiver recovers, nothing without
``[notifications]``, never twice with two delivering processes, and still delivered after a
restart."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select

from mpp.db import Database
from mpp.domain import notifications as rules
from mpp.models import Notification
from mpp.services.notifications import Outbox

from ..bookings.conftest import book, booking_service
from ..conftest import make_app
from ..support.api import Api
from .conftest import SECRET, configure


def outbox(app) -> Outbox:  # type: ignore[no-untyped-def]
    return app.extensions["mpp_outbox"]


def test_a_booking_is_confirmed_by_a_signed_post(any_app, receiver):
    configure(any_app, receiver.url)
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    booking = book(api, sid, phone="0812 3456 7890").body["booking"]
    assert outbox(any_app).deliver_due() == 1
    [post] = receiver.wait_for(1)
    assert post.headers[rules.SIGNATURE_HEADER] == rules.sign(post.body, SECRET)
    payload = json.loads(post.body)
    assert set(payload) == {"id", "event", "phone", "message", "booking", "at"}
    assert payload["event"] == "booking.created" and payload["phone"] == "0812 3456 7890"
    assert payload["booking"]["code"] == booking["code"] and booking["code"] in \
        payload["message"]
    assert payload["at"] == "2026-11-23T09:00:00+08:00"
    log = api.get("/notifications", token=api.login("admin")).body["notifications"]
    assert [(n["event"], n["status"], n["phone_masked"]) for n in log] == [
        ("booking.created", "sent", "0812*****890")]
    assert log[0]["log"][0]["status_code"] == 200 and "queued" in log[0]["log"][0]["answer"]
    assert outbox(any_app).deliver_due() == 0  # sent once


def test_a_failed_delivery_is_tried_again_with_the_same_id_until_it_succeeds(
        any_app, receiver, clock, monkeypatch):
    monkeypatch.setattr(rules, "TIMEOUT_SECONDS", 0.5)
    configure(any_app, receiver.url)
    receiver.answers = [500, "hang"]
    api = Api(any_app.test_client())
    book(api, booking_service(any_app))
    box = outbox(any_app)
    assert box.deliver_due() == 1                      # 500
    assert box.deliver_due() == 0                      # not due yet
    clock.advance(seconds=15)                          # the first retry, within 30 s
    assert box.deliver_due() == 1                      # no answer within the timeout
    clock.advance(seconds=30)
    assert box.deliver_due() == 1                      # 200
    posts = receiver.wait_for(3)
    assert len({p.body for p in posts}) == 1           # the same id and body each time
    assert all(p.headers[rules.SIGNATURE_HEADER] == rules.sign(p.body, SECRET) for p in posts)
    [entry] = api.get("/notifications", token=api.login("admin")).body["notifications"]
    assert entry["status"] == "sent" and entry["tries"] == 3
    assert [t["status_code"] for t in entry["log"]] == [500, None, 200]
    assert entry["log"][0]["error"] == "HTTP 500" and "Timeout" in entry["log"][1]["error"]


def test_nothing_is_written_or_sent_without_a_notifications_table(any_app, receiver):
    api = Api(any_app.test_client())
    book(api, booking_service(any_app))
    box = outbox(any_app)
    assert box.scan() == 0 and box.deliver_due() == 0
    with any_app.extensions["mpp"].db.read() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 0
    assert receiver.received == []


def test_two_processes_delivering_at_once_send_each_notification_once(any_app, receiver):
    configure(any_app, receiver.url)
    api = Api(any_app.test_client())
    sid = booking_service(any_app, {"per_slot": 100})
    for i in range(30):
        assert book(api, sid, phone=f"08120000{i:04d}").status == 201
    hall = any_app.extensions["mpp"]
    # two outboxes on two engines: what two server processes hold
    dbs = [Database(hall.db.url) for _ in range(2)]
    boxes = [Outbox(db, hall.clock, "http://mpp.test") for db in dbs]
    start = threading.Barrier(2)

    def worker(box: Outbox) -> None:
        start.wait()
        while box.deliver_due(limit=3):
            pass

    threads = [threading.Thread(target=worker, args=(b,)) for b in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for db in dbs:
        db.dispose()
    ids = [json.loads(p.body)["id"] for p in receiver.wait_for(30)]
    assert len(ids) == 30 and len(set(ids)) == 30
    with hall.db.read() as s:
        assert set(s.scalars(select(Notification.status))) == {"sent"}


def test_calls_and_near_tickets_of_booked_citizens_are_told_once(any_app, receiver, clock):
    configure(any_app, receiver.url, ahead=1)
    api = Api(any_app.test_client())
    from ..support.factories import Factories

    make = Factories(any_app)
    sid = booking_service(any_app, {"per_slot": 5}, hours="00:00-24:00")
    code = next(s["code"] for s in api.get("/services").body["services"] if s["id"] == sid)
    counter, staff = make.counter([code]), make.staff()
    kiosk = api.device_token()
    api.post("/tickets", {"service_id": sid}, token=kiosk)
    api.post("/tickets", {"service_id": sid}, token=kiosk)
    booking = book(api, sid, start="2026-11-23T09:30", phone="0813 1111 2222").body["booking"]
    clock.advance(minutes=35)
    api.post("/bookings/check-in", {"code": booking["code"]}, token=kiosk)  # behind two
    box = outbox(any_app)
    box.scan()
    token = api.login(staff)
    api.post(f"/counters/{counter}/open", token=token)
    called = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    assert box.scan() == 1                              # now one ahead: ticket.near
    assert box.scan() == 0
    api.post(f"/tickets/{called['id']}/finish", token=token)
    called = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    api.post(f"/tickets/{called['id']}/finish", token=token)
    mine = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    assert mine["booked"] is True
    assert box.scan() == 1 and box.scan() == 0          # ticket.called
    box.deliver_due()
    events = [json.loads(p.body) for p in receiver.wait_for(3)]
    assert [e["event"] for e in events] == ["booking.created", "ticket.near", "ticket.called"]
    assert events[2]["ticket"]["number"] == mine["number"]
    assert all(e["phone"] == "0813 1111 2222" for e in events)


def test_a_reminder_goes_before_the_slot_once(any_app, receiver, clock):
    configure(any_app, receiver.url)
    api = Api(any_app.test_client())
    sid = booking_service(any_app)
    book(api, sid, start="2026-11-24T10:00")
    box = outbox(any_app)
    assert box.scan() == 0
    clock.advance(hours=23, minutes=1)                  # Tuesday 08:01, two hours before
    assert box.scan() == 1 and box.scan() == 0
    box.deliver_due()
    assert [json.loads(p.body)["event"] for p in receiver.wait_for(2)] == [
        "booking.created", "booking.reminder"]


def test_what_waited_in_the_outbox_is_delivered_after_a_restart(db_url, clock, receiver):
    first = make_app(db_url, clock)
    configure(first, receiver.url)
    book(Api(first.test_client()), booking_service(first))
    first.extensions["mpp"].db.dispose()               # the server stops before sending
    second = make_app(db_url, clock, NOTIFICATIONS=True)
    try:
        second.test_client().get("/healthz")           # the first request starts the worker
        [post] = receiver.wait_for(1)
        assert json.loads(post.body)["event"] == "booking.created"
    finally:
        second.extensions["mpp_notifier"].stop()
        second.extensions["mpp"].db.dispose()


def test_a_walk_in_who_gives_a_phone_is_told_of_the_call(any_app, receiver):
    configure(any_app, receiver.url)
    api = Api(any_app.test_client())
    from ..support.factories import Factories

    make = Factories(any_app)
    code = make.service()
    sid, counter, staff = make.service_id(code), make.counter([code]), make.staff()
    kiosk = api.device_token()
    r = api.post("/tickets", {"service_id": sid, "phone": "0812-1234-5678"}, token=kiosk)
    assert r.status == 201 and "phone" not in r.body["ticket"]
    silent = api.post("/tickets", {"service_id": sid}, token=kiosk).body["ticket"]
    bad = api.post("/tickets", {"service_id": sid, "phone": "not a phone"}, token=kiosk)
    assert (bad.status, bad.error) == (422, "invalid_phone")
    box = outbox(any_app)
    assert box.scan() == 1  # nobody ahead: ticket.near at once
    token = api.login(staff)
    api.post(f"/counters/{counter}/open", token=token)
    first = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    api.post(f"/tickets/{first['id']}/finish", token=token)
    assert api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]["id"] == \
        silent["id"]
    assert box.scan() == 1  # ticket.called; the ticket without a phone is told nothing
    box.deliver_due()
    events = [json.loads(p.body) for p in receiver.wait_for(2)]
    assert [(e["event"], e["phone"]) for e in events] == [
        ("ticket.near", "0812-1234-5678"), ("ticket.called", "0812-1234-5678")]
    assert events[1]["ticket"]["number"] == first["number"]
