"""The /hall namespace with a real python-socketio client against a real server process.

The tests share one server (see ``shared_server``); each finishes what it calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import socketio
from sqlalchemy import create_engine, text

from mpp.db import Database
from mpp.services import accounts

from ..support.api import Api
from ..support.databases import START
from ..support.live import LiveServer
from .hall import HallListener


@pytest.fixture
def board(shared_server: LiveServer, hall: Api) -> Iterator[HallListener]:
    listener = HallListener(shared_server.url, hall.device_token("display-1")).connect()
    yield listener
    listener.close()


@pytest.fixture
def loket1(hall: Api) -> Iterator[int]:
    """Loket 1 of Disdukcapil, opened by dukcapil1; whatever it holds is finished afterwards."""
    cid = hall.open_counter("dukcapil1", "Loket 1")
    yield cid
    for c in hall.get("/queue").ok()["counters"]:
        if c["id"] == cid and c["ticket"] is not None:
            hall.act("dukcapil1", c["ticket"]["id"], "finish")


def refused(url: str, auth: object) -> bool:
    client = socketio.Client(reconnection=False)
    try:
        client.connect(url, namespaces=["/hall"], auth=auth, transports=["websocket"],
                       wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return True
    finally:
        client.disconnect()
    return False


def test_display_gets_the_snapshot_at_once_on_connect(board: HallListener):
    snapshot = board.next("snapshot", timeout=3)
    assert snapshot["site"]["name"] == "Mal Pelayanan Publik Kota Kendari"
    assert {"services", "counters", "recent_calls"} <= snapshot.keys()
    assert snapshot["board"]["device"] == "display-1"


def test_called_event_carries_the_ticket_number_and_counter(board: HallListener, hall: Api,
                                                            loket1: int):
    board.next("snapshot")
    issued = hall.issue("KTP")
    hall.call_next("dukcapil1", loket1)
    call = board.next("called")
    assert call["ticket"]["number"] == issued["number"]
    assert call["ticket"]["number"].startswith("A")
    assert call["counter"]["id"] == loket1
    assert call["counter"]["name"] == "Loket 1"
    assert call["counter"]["spoken_name"] == "loket satu"
    assert call["recall"] is False
    assert call["ticket"]["status"] == "called"


def test_only_the_counters_tablet_gets_a_finished_ticket_with_its_token(
        board: HallListener, shared_server: LiveServer, hall: Api, loket1: int):
    """Every hall page hears that a counter's ticket changed, without the ticket's token; the
    display registered as the counter's rating tablet gets the finished ticket whole."""
    tablet = HallListener(shared_server.url, hall.device_token("tablet-1"),  # Loket 1's
                          counter=loket1).connect()
    loket2 = hall.open_counter("dukcapil2", "Loket 2")
    other = HallListener(shared_server.url, hall.device_token("tablet-4")).connect()
    try:
        issued = hall.issue("KTP")
        called = hall.call_next("dukcapil1", loket1)
        assert called["id"] == issued["id"]
        hall.act("dukcapil1", issued["id"], "finish")
        for listener in (board, tablet):
            changed = listener.next("counter_ticket")
            assert changed["counter_id"] == loket1 and changed["ticket"]["id"] == issued["id"]
            assert changed["ticket"]["token"] is None and changed["ticket"]["status_url"] is None
        offer = tablet.next("survey_offer")
        assert offer["counter_id"] == loket1
        assert offer["ticket"]["token"] == issued["token"]
        assert offer["ticket"]["status"] == "done"
        other.next("counter_ticket")
        # a later call reaches every page after whatever was sent with the finish
        hall.issue("KK")
        marker = hall.call_next("dukcapil2", loket2)
        for listener in (board, other):
            while listener.next("called")["ticket"]["id"] != marker["id"]:
                pass
        hall.act("dukcapil2", marker["id"], "finish")
        everyone_else = board.heard + other.heard
        assert "survey_offer" not in [e for e, _ in everyone_else]
        assert issued["token"] not in repr(everyone_else)
    finally:
        tablet.close()
        other.close()


def test_recall_sends_another_called_event_marked_recall(board: HallListener, hall: Api,
                                                         loket1: int):
    board.next("snapshot")
    hall.issue("KTP")
    ticket = hall.call_next("dukcapil1", loket1)
    assert board.next("called")["recall"] is False
    hall.act("dukcapil1", ticket["id"], "recall")
    again = board.next("called")
    assert again["recall"] is True
    assert again["ticket"]["number"] == ticket["number"]
    assert again["counter"]["id"] == loket1


def test_called_is_sent_only_after_the_call_is_committed(board: HallListener, hall: Api,
                                                         loket1: int, shared_server: LiveServer):
    board.next("snapshot")
    hall.issue("KTP")
    hall.call_next("dukcapil1", loket1)
    call = board.next("called")
    # read the database from outside the server the moment the event arrives
    engine = create_engine(shared_server.db_url)
    try:
        with engine.connect() as c:
            status = c.execute(text("SELECT status FROM ticket WHERE id = :i"),
                               {"i": call["ticket"]["id"]}).scalar_one()
    finally:
        engine.dispose()
    assert status == "called"


def test_queue_event_follows_a_new_ticket(board: HallListener, hall: Api):
    snapshot = board.next("snapshot")
    sid = hall.service_id("AKTA")
    before = next(s["waiting"] for s in snapshot["services"] if s["service_id"] == sid)
    hall.issue("AKTA")
    # A re-read of the counts settling an earlier test's changes may still come first (see
    # queue feed, mpp.queue_feed); the ticket's own `queue` event follows within the timeout.
    deadline = time.monotonic() + 5
    seen = []
    while before + 1 not in seen:
        counts = board.next("queue", timeout=max(0.1, deadline - time.monotonic()))
        seen.append(next(s["waiting"] for s in counts["services"] if s["service_id"] == sid))
    assert all(n in (before, before + 1) for n in seen), seen


def test_a_reconnecting_board_gets_a_fresh_snapshot_with_calls_it_missed(
        shared_server: LiveServer, hall: Api, loket1: int):
    token = hall.device_token("display-1")
    first = HallListener(shared_server.url, token).connect()
    first.next("snapshot")
    first.close()
    issued = hall.issue("KTP")
    hall.call_next("dukcapil1", loket1)
    again = HallListener(shared_server.url, token).connect()
    try:
        latest = again.next("snapshot")["recent_calls"][0]
        assert latest["ticket"]["number"] == issued["number"]
        assert latest["counter"]["name"] == "Loket 1"
    finally:
        again.close()


@pytest.mark.parametrize("auth", [None, {"token": ""}, {"token": "not-a-device-token"},
                                  {"ticket_token": "x"}, "a string"],
                         ids=["none", "empty", "wrong", "other-key", "not-a-dict"])
def test_hall_refuses_a_client_without_a_valid_token(shared_server: LiveServer, auth: object):
    assert refused(shared_server.url, auth)


def test_a_staff_login_token_may_follow_the_hall(shared_server: LiveServer, hall: Api):
    listener = HallListener(shared_server.url, hall.staff_token("dukcapil1")).connect()
    try:
        assert "counters" in listener.next("snapshot")
    finally:
        listener.close()


def test_a_revoked_display_token_is_refused(shared_server: LiveServer):
    db = Database(shared_server.db_url)
    try:
        with db.write() as s:
            device, token = accounts.create_device(s, START, "display-revoked", "display")
        assert not refused(shared_server.url, {"token": token})
        with db.write() as s:
            s.merge(device).revoked_at = START
    finally:
        db.dispose()
    assert refused(shared_server.url, {"token": token})


def test_a_display_device_learns_its_agencies_and_title_from_the_snapshot(
        shared_server: LiveServer):
    db = Database(shared_server.db_url)
    try:
        with db.write() as s:
            _, token = accounts.create_device(
                s, START, "display-wing-a", "display",
                settings={"agencies": ["DUKCAPIL", "IMIGRASI"], "title": "Sayap A"})
    finally:
        db.dispose()
    listener = HallListener(shared_server.url, token).connect()
    try:
        board = listener.next("snapshot")["board"]
    finally:
        listener.close()
    assert board == {"device": "display-wing-a", "kind": "display",
                     "agencies": ["DUKCAPIL", "IMIGRASI"], "title": "Sayap A"}


def test_a_board_may_ask_for_a_fresh_snapshot(board: HallListener):
    board.next("snapshot")
    board.client.emit("snapshot", namespace="/hall")
    again = board.next("snapshot")
    assert again["board"]["device"] == "display-1"
    assert "recent_calls" in again
