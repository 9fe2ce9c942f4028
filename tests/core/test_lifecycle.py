"""Every allowed change of a ticket through the API, every other one refused, all logged.
The tests make their own services, counters and clerks (support/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.models import Ticket, TicketEvent

from ..support.api import Api
from ..support.factories import Desk, Factories


def event_kinds(app, ticket_id: int) -> list[tuple[str, str | None, str]]:
    with app.extensions["mpp"].db.read() as s:
        rows = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                         .order_by(TicketEvent.id)).all()
        return [(e.kind, e.from_status, e.to_status) for e in rows]


@pytest.fixture
def a(make) -> Desk:
    """A service with its counter and clerk, two regular tickets called per priority one."""
    return make.desk(regular_per_priority=2)


@pytest.fixture
def b(make) -> Desk:
    """A second service of the same agency, with its own counter and clerk (transfers)."""
    return make.desk()


@pytest.fixture
def desk(api, a):
    """a's clerk at a's counter, open; returns (token, counter id)."""
    cid = api.open_counter(a.staff, a.counter)
    return api.login(a.staff), cid


def call(api, desk):
    token, cid = desk
    r = api.post(f"/counters/{cid}/call-next", token=token)
    assert r.status == 200, r.body
    return r.body["ticket"]


def test_full_life_waiting_called_serving_done_is_logged(app, api, a, desk, clock):
    token, cid = desk
    t = api.issue(a.code)
    clock.advance(minutes=5)
    called = call(api, desk)
    assert called["id"] == t["id"] and called["status"] == "called"
    assert called["counter"]["id"] == cid
    clock.advance(minutes=1)
    r = api.post(f"/tickets/{t['id']}/recall", token=token)
    assert r.status == 200 and r.body["ticket"]["status"] == "called"
    assert r.body["ticket"]["call_count"] == 2
    r = api.post(f"/tickets/{t['id']}/start", token=token)
    assert r.status == 200 and r.body["ticket"]["status"] == "serving"
    clock.advance(minutes=7)
    r = api.post(f"/tickets/{t['id']}/finish", token=token)
    assert r.status == 200 and r.body["ticket"]["status"] == "done"
    assert r.body["ticket"]["finished_at"].endswith("+08:00")
    assert event_kinds(app, t["id"]) == [
        ("issued", None, "waiting"), ("called", "waiting", "called"),
        ("recalled", "called", "called"), ("started", "called", "serving"),
        ("finished", "serving", "done")]


def test_called_ticket_can_be_finished_directly(app, api, a, desk):
    token, _ = desk
    t = api.issue(a.code)
    call(api, desk)
    r = api.post(f"/tickets/{t['id']}/finish", token=token)
    assert r.body["ticket"]["status"] == "done"
    assert event_kinds(app, t["id"])[-1] == ("finished", "called", "done")


def test_no_show_from_called(app, api, a, desk):
    token, _ = desk
    t = api.issue(a.code)
    call(api, desk)
    r = api.post(f"/tickets/{t['id']}/no-show", token=token)
    assert r.status == 200 and r.body["ticket"]["status"] == "no_show"
    assert event_kinds(app, t["id"])[-1] == ("no_show", "called", "no_show")


@pytest.mark.parametrize("start_first", [False, True])
def test_transfer_returns_to_waiting_in_the_other_service_keeping_number_and_place(
        app, api, a, b, desk, clock, start_first):
    token, _ = desk
    first = api.issue(a.code)           # a's 001, the oldest ticket of the day
    clock.advance(minutes=1)
    older_b = api.issue(b.code)         # b's 001, issued after it
    assert first["number"].endswith("001") and older_b["number"].endswith("001")
    call(api, desk)
    if start_first:
        api.post(f"/tickets/{first['id']}/start", token=token)
    r = api.post(f"/tickets/{first['id']}/transfer", {"service_id": b.service_id}, token=token)
    assert r.status == 200, r.body
    moved = r.body["ticket"]
    assert moved["status"] == "waiting" and moved["number"] == first["number"]
    assert moved["service"]["code"] == b.code and moved["counter"] is None
    assert moved["people_ahead"] == 0  # issued before b's 001, so it keeps its place ahead
    # b's counter takes the transferred ticket first, by its original issue time.
    cid_b = api.open_counter(b.staff, b.counter)
    r = api.post(f"/counters/{cid_b}/call-next", token=api.login(b.staff))
    assert r.body["ticket"]["id"] == first["id"]
    kinds = [k for k, _, _ in event_kinds(app, first["id"])]
    assert kinds[-2:] == ["transferred", "called"]


def test_cancel_waiting_ticket_by_staff_and_admin(app, api, a):
    t1, t2 = api.issue(a.code), api.issue(a.code)
    r = api.post(f"/tickets/{t1['id']}/cancel", token=api.login(a.staff))
    assert r.status == 200 and r.body["ticket"]["status"] == "cancelled"
    r = api.post(f"/tickets/{t2['id']}/cancel", token=api.login("admin"))
    assert r.status == 200 and r.body["ticket"]["status"] == "cancelled"
    assert event_kinds(app, t1["id"])[-1] == ("cancelled", "waiting", "cancelled")


def test_close_day_expires_waiting_tickets_with_an_event_each(app, api, a, desk):
    token, _ = desk
    waiting = api.issue(a.code)
    served = api.issue(a.code)
    call(api, desk)  # takes `waiting` (the older one), leaves `served` waiting
    expired = app.extensions["mpp"].queue.close_day(
        __import__("mpp.domain.actor", fromlist=["SYSTEM"]).SYSTEM)
    assert expired == 1
    with app.extensions["mpp"].db.read() as s:
        assert s.get(Ticket, served["id"]).status == "expired"
        assert s.get(Ticket, waiting["id"]).status == "called"
    assert event_kinds(app, served["id"])[-1] == ("expired", "waiting", "expired")


REFUSED = [
    # (how far the ticket got, action, expected status, expected code)
    ("called", "cancel", 409, "invalid_transition"),
    ("serving", "start", 409, "invalid_transition"),
    ("serving", "recall", 409, "invalid_transition"),
    ("serving", "no-show", 409, "invalid_transition"),
    ("done", "start", 409, "invalid_transition"),
    ("done", "finish", 409, "invalid_transition"),
    ("done", "recall", 409, "invalid_transition"),
    ("done", "no-show", 409, "invalid_transition"),
    ("done", "transfer", 409, "invalid_transition"),
    ("done", "cancel", 409, "invalid_transition"),
    ("no_show", "finish", 409, "invalid_transition"),
    ("no_show", "start", 409, "invalid_transition"),
    ("cancelled", "cancel", 409, "invalid_transition"),
    ("waiting", "start", 403, "not_your_ticket"),
    ("waiting", "finish", 403, "not_your_ticket"),
    ("waiting", "recall", 403, "not_your_ticket"),
    ("waiting", "no-show", 403, "not_your_ticket"),
    ("waiting", "transfer", 403, "not_your_ticket"),
]


def bring_to(api, code: str, desk, status: str) -> dict:
    token, _ = desk
    t = api.issue(code)
    if status == "waiting":
        return t
    if status == "cancelled":
        api.post(f"/tickets/{t['id']}/cancel", token=token)
        return t
    call(api, desk)
    if status == "serving":
        api.post(f"/tickets/{t['id']}/start", token=token)
    elif status == "done":
        api.post(f"/tickets/{t['id']}/finish", token=token)
    elif status == "no_show":
        api.post(f"/tickets/{t['id']}/no-show", token=token)
    return t


@pytest.mark.parametrize(("status", "action", "http", "code"), REFUSED)
def test_other_changes_are_refused_with_a_code_that_names_why_and_change_nothing(
        app, api, a, b, desk, status, action, http, code):
    token, _ = desk
    t = bring_to(api, a.code, desk, status)
    before = event_kinds(app, t["id"])
    body = {"service_id": b.service_id} if action == "transfer" else None
    r = api.post(f"/tickets/{t['id']}/{action}", body, token=token)
    assert (r.status, r.error) == (http, code), r.body
    assert r.body["error"]["message"]
    assert event_kinds(app, t["id"]) == before
    assert api.get(f"/tickets/{t['id']}", token=token).body["ticket"]["status"] == status


def test_counter_never_holds_two_tickets(api, a, desk):
    token, cid = desk
    api.issue(a.code)
    api.issue(a.code)
    call(api, desk)
    r = api.post(f"/counters/{cid}/call-next", token=token)
    assert (r.status, r.error) == (409, "counter_busy")


def test_call_next_with_nothing_waiting_gives_null(api, desk):
    token, cid = desk
    r = api.post(f"/counters/{cid}/call-next", token=token)
    assert r.status == 200 and r.body == {"ticket": None}


def test_counter_with_a_held_ticket_cannot_close(api, a, desk):
    token, cid = desk
    api.issue(a.code)
    call(api, desk)
    r = api.post(f"/counters/{cid}/close", token=token)
    assert (r.status, r.error) == (409, "counter_busy")


def test_another_staff_member_cannot_take_an_open_counter(api, make, desk):
    _, cid = desk
    r = api.post(f"/counters/{cid}/open", token=api.login(make.staff()))  # the same agency
    assert (r.status, r.error) == (409, "counter_taken")


def test_priority_ticket_goes_ahead_at_the_ratio(api, a, desk):
    token, cid = desk
    regular = [api.issue(a.code) for _ in range(4)]
    elderly = api.issue(a.code, priority_category="elderly")
    assert elderly["priority"] is True
    order = []
    for _ in range(5):
        t = call(api, desk)
        order.append(t["number"])
        api.post(f"/tickets/{t['id']}/finish", token=token)
    # the ratio is 2 regular per priority; the first priority call is not delayed.
    assert order == [elderly["number"], *[r["number"] for r in regular]]


@pytest.mark.parametrize("with_priority", [False, True])
def test_people_ahead_shown_to_each_citizen_is_their_real_place_in_the_queue(
        api, a, desk, clock, with_priority):
    token, cid = desk
    tickets = []
    for i in range(7):
        clock.advance(minutes=1)
        category = "elderly" if with_priority and i in (2, 5) else None
        tickets.append(api.issue(a.code, priority_category=category))
    # Each ticket's own view, as the status page reads it.
    shown = {t["id"]: api.get(f"/tickets/by-token/{t['token']}").body["ticket"]["people_ahead"]
             for t in tickets}
    issued_view = {t["id"]: t["people_ahead"] for t in tickets}
    order = []
    for _ in tickets:
        t = call(api, desk)
        order.append(t["id"])
        api.post(f"/tickets/{t['id']}/finish", token=token)
    assert shown == {tid: order.index(tid) for tid in shown}
    if not with_priority:
        # Issued one after another, the i-th ticket had i people ahead when it was printed.
        assert [issued_view[t["id"]] for t in tickets] == list(range(len(tickets)))


def test_a_shared_counter_keeps_the_ratio_across_its_services(any_app, clock):
    """A counter serves two services, each 2 regular per priority. Elderly citizens in the
    second (no regular ticket waiting there) take turns with the first's regular queue at
    the ratio, on both databases."""
    api = Api(any_app.test_client())
    make = Factories(any_app)
    first, second = make.service(regular_per_priority=2), make.service(regular_per_priority=2)
    shared = make.counter([first, second])
    clerk = make.staff()
    regular = []
    for _ in range(4):
        clock.advance(minutes=1)
        regular.append(api.issue(first))
    elderly = []
    for _ in range(3):
        clock.advance(minutes=1)
        elderly.append(api.issue(second, priority_category="elderly"))
    desk = (api.login(clerk), api.open_counter(clerk, make.counter_name(shared)))
    order = []
    for _ in range(7):
        clock.advance(minutes=1)
        t = call(api, desk)
        order.append(t["number"])
        api.post(f"/tickets/{t['id']}/finish", token=desk[0])
    r, e = [t["number"] for t in regular], [t["number"] for t in elderly]
    assert order == [e[0], r[0], r[1], e[1], r[2], r[3], e[2]]
