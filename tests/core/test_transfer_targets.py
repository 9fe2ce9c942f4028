"""A transfer never sends a citizen into a queue nobody will call today (issue 12). The
services, counters and clerks are the test's own (support/factories.py): a ticket held at
one agency's counter is sent to another agency's service."""

from __future__ import annotations

import pytest

from ..support.factories import Desk


@pytest.fixture
def here(make) -> Desk:  # type: ignore[no-untyped-def]
    return make.desk()


@pytest.fixture
def there(make, here) -> Desk:  # type: ignore[no-untyped-def]
    """Another agency's service, its counter and clerk."""
    return make.agency().desk()


def _held(api, here: Desk):  # type: ignore[no-untyped-def]
    """A ticket called to ``here``'s counter by its clerk; (token, ticket)."""
    ticket = api.issue(here.code)
    cid = api.open_counter(here.staff, here.counter)
    token = api.login(here.staff)
    r = api.post(f"/counters/{cid}/call-next", token=token)
    assert r.body["ticket"]["id"] == ticket["id"]
    return token, ticket


def test_a_transfer_into_a_service_closed_for_the_rest_of_the_day_is_refused(api, make, here,
                                                                             clock):
    closed = make.agency().service(hours="08:00-14:00")
    clock.advance(hours=6)  # Monday 15:00: that service closed at 14:00
    token, ticket = _held(api, here)
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": make.service_id(closed)},
                 token=token)
    assert (r.status, r.error) == (409, "service_closed"), r.body
    assert api.get(f"/tickets/{ticket['id']}", token=token).body["ticket"]["status"] == "called"


def test_a_waiting_ticket_says_how_many_counters_serve_its_service_now(api, here, there):
    token, ticket = _held(api, here)
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": there.service_id},
                 token=token)
    assert r.status == 200, r.body
    # Nobody has opened a counter there: the status page must not say "you are next".
    assert r.body["ticket"]["people_ahead"] == 0
    assert r.body["ticket"]["open_counters"] == 0
    api.open_counter(there.staff, there.counter)
    moved = api.get(f"/tickets/{ticket['id']}", token=api.login("admin")).body["ticket"]
    assert moved["open_counters"] == 1


def test_the_first_call_after_a_transfer_is_a_call_not_a_recall(api, here, there):
    token, ticket = _held(api, here)
    assert api.post(f"/tickets/{ticket['id']}/recall", token=token).body["ticket"][
        "call_count"] == 2
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": there.service_id},
                 token=token)
    assert r.body["ticket"]["call_count"] == 0
    cid = api.open_counter(there.staff, there.counter)
    called = api.post(f"/counters/{cid}/call-next", token=api.login(there.staff)).body["ticket"]
    assert called["id"] == ticket["id"] and called["call_count"] == 1
