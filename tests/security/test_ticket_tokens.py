"""A ticket's token is its holder's key (status page, survey, complaint): the public hall
snapshot never hands out other citizens' tokens."""

from __future__ import annotations

import json


def _hall_with_calls(api) -> list[dict]:  # type: ignore[no-untyped-def]
    tickets = [api.issue("KTP") for _ in range(3)]
    cid = api.open_counter("dukcapil1", "Loket 1")
    staff = api.login("dukcapil1")
    first = api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]
    api.post(f"/tickets/{first['id']}/finish", token=staff)
    api.post(f"/counters/{cid}/call-next", token=staff)  # held now, and both in recent calls
    return tickets


def test_the_anonymous_hall_snapshot_carries_no_ticket_tokens(api):
    tickets = _hall_with_calls(api)
    snapshot = api.get("/queue").body
    text = json.dumps(snapshot)
    assert not any(t["token"] in text for t in tickets)
    held = [c["ticket"] for c in snapshot["counters"] if c["ticket"] is not None]
    calls = [c["ticket"] for c in snapshot["recent_calls"]]
    assert len(held) == 1 and len(calls) == 2
    # the shape stays the contract's: the keys are there, without the secrets
    assert all(t["token"] is None and t["status_url"] is None for t in held + calls)
    assert held[0]["number"] == tickets[1]["number"]


def test_hall_devices_and_staff_still_get_the_full_snapshot(api):
    tickets = _hall_with_calls(api)
    for token in (api.device_token("display-1"), api.login("dukcapil1")):
        held = [c["ticket"] for c in api.get("/queue", token=token).body["counters"]
                if c["ticket"] is not None]
        assert held[0]["token"] == tickets[1]["token"]
        assert held[0]["status_url"].endswith(tickets[1]["token"])
