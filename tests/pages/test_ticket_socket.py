"""The /ticket namespace as the status page meets it when it (re)connects: what it is sent
at connect is never older than the rooms it joined, so a change committed while it
connects is not lost between the two (the page reconnects on every return to the tab and
after every transfer)."""

from __future__ import annotations

from typing import Any

import pytest

from mpp import sockets
from mpp.extensions import socketio


@pytest.fixture
def call_while_joining(app, api, monkeypatch):  # type: ignore[no-untyped-def]
    """Makes a call at Loket 3 commit just before the connecting page joins its rooms, as
    a staff member's click can between the server's reading the ticket and the join."""
    token = api.login("dukcapil1")
    counter = api.open_counter("dukcapil1", "Loket 3")
    real_join = sockets.join_room
    calls: list[Any] = []

    def join_room(room: str, *args: Any, **kwargs: Any) -> None:
        if room.startswith("ticket:") and not calls:
            calls.append(api.post(f"/counters/{counter}/call-next", token=token).body)
        real_join(room, *args, **kwargs)

    monkeypatch.setattr(sockets, "join_room", join_room)
    return calls


def test_a_call_made_while_the_page_connects_reaches_it(app, api, call_while_joining):
    ahead, mine = api.issue("AKTA"), api.issue("AKTA")
    client = socketio.test_client(app, namespace="/ticket", auth={"ticket_token": mine["token"]})
    try:
        assert client.is_connected("/ticket")
        assert call_while_joining[0]["ticket"]["id"] == ahead["id"]
        sent = [e["args"][0]["ticket"] for e in client.get_received("/ticket")
                if e["name"] == "ticket"]
        assert sent and sent[-1]["people_ahead"] == 0, sent
    finally:
        client.disconnect("/ticket")
