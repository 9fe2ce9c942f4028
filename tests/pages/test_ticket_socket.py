"""The /ticket namespace as the status page meets it when it (re)connects: what it is sent
at connect is never older than the rooms it joined, so a change committed while it
connects is not lost between the two (the page reconnects on every return to the tab and
after every transfer)."""

from __future__ import annotations

from typing import Any

import pytest

from mpp import sockets
from mpp.extensions import socketio

from ..support.factories import Desk


@pytest.fixture
def desk(make) -> Desk:  # type: ignore[no-untyped-def]
    """A service of the test's own, its counter and clerk."""
    return make.desk()


@pytest.fixture
def call_while_joining(app, api, desk, monkeypatch):  # type: ignore[no-untyped-def]
    """Makes a call at the desk's counter commit just before the connecting page joins its
    rooms, as a staff member's click can between the server's reading the ticket and the
    join."""
    token = api.login(desk.staff)
    counter = api.open_counter(desk.staff, desk.counter)
    real_join = sockets.join_room
    calls: list[Any] = []

    def join_room(room: str, *args: Any, **kwargs: Any) -> None:
        if room.startswith("ticket:") and not calls:
            calls.append(api.post(f"/counters/{counter}/call-next", token=token).body)
        real_join(room, *args, **kwargs)

    monkeypatch.setattr(sockets, "join_room", join_room)
    return calls


def test_a_call_made_while_the_page_connects_reaches_it(app, api, desk, call_while_joining):
    ahead, mine = api.issue(desk.code), api.issue(desk.code)
    client = socketio.test_client(app, namespace="/ticket", auth={"ticket_token": mine["token"]})
    try:
        assert client.is_connected("/ticket")
        assert call_while_joining[0]["ticket"]["id"] == ahead["id"]
        sent = [e["args"][0]["ticket"] for e in client.get_received("/ticket")
                if e["name"] == "ticket"]
        assert sent and sent[-1]["people_ahead"] == 0, sent
    finally:
        client.disconnect("/ticket")
