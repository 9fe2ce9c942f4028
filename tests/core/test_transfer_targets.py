"""A transfer never sends a citizen into a queue nobody will call today (issue 12)."""

from __future__ import annotations


def _held(api, clock):  # type: ignore[no-untyped-def]
    """An SKCK ticket called to Loket 8 by polresta1; (token, ticket)."""
    ticket = api.issue("SKCK")
    cid = api.open_counter("polresta1", "Loket 8")
    token = api.login("polresta1")
    r = api.post(f"/counters/{cid}/call-next", token=token)
    assert r.body["ticket"]["id"] == ticket["id"]
    return token, ticket


def test_a_transfer_into_a_service_closed_for_the_rest_of_the_day_is_refused(api, clock):
    clock.advance(hours=6)  # Monday 15:00: Imigrasi's passports closed at 14:00
    token, ticket = _held(api, clock)
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": api.service_id("PASPOR")},
                 token=token)
    assert (r.status, r.error) == (409, "service_closed"), r.body
    assert api.get(f"/tickets/{ticket['id']}", token=token).body["ticket"]["status"] == "called"


def test_a_waiting_ticket_says_how_many_counters_serve_its_service_now(api, clock):
    token, ticket = _held(api, clock)
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": api.service_id("JKN")},
                 token=token)
    assert r.status == 200, r.body
    # Nobody has opened a BPJS counter: the status page must not say "you are next".
    assert r.body["ticket"]["people_ahead"] == 0
    assert r.body["ticket"]["open_counters"] == 0
    api.open_counter("bpjs1", "Loket 9")
    moved = api.get(f"/tickets/{ticket['id']}", token=api.login("admin")).body["ticket"]
    assert moved["open_counters"] == 1


def test_the_first_call_after_a_transfer_is_a_call_not_a_recall(api, clock):
    token, ticket = _held(api, clock)
    assert api.post(f"/tickets/{ticket['id']}/recall", token=token).body["ticket"][
        "call_count"] == 2
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": api.service_id("JKN")},
                 token=token)
    assert r.body["ticket"]["call_count"] == 0
    cid = api.open_counter("bpjs1", "Loket 9")
    called = api.post(f"/counters/{cid}/call-next", token=api.login("bpjs1")).body["ticket"]
    assert called["id"] == ticket["id"] and called["call_count"] == 1
