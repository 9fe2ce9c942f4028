"""The /hall namespace with a real python-socketio client against a real server process.

The tests share one server (see ``shared_server``) and one service, counter and clerk of
the module's own (``desk``, made with support/factories.py); each finishes what it calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import socketio
from sqlalchemy import create_engine, text

from mpp.db import Database
from mpp.services import accounts
from printer.socket_client import InOrderClient

from ..support.api import Api
from ..support.databases import START
from ..support.factories import Desk, Factories
from ..support.live import LiveServer
from .hall import HallListener


@pytest.fixture
def board(shared_server: LiveServer, hall: Api) -> Iterator[HallListener]:
    listener = HallListener(shared_server.url, hall.device_token("display-1")).connect()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def desk(live_make: Factories) -> Desk:
    """The module's service, its counter (spoken "loket uji") and its clerk."""
    code = live_make.service()
    cid = live_make.counter([code], spoken_name="loket uji")
    return Desk(code, live_make.service_id(code), cid, live_make.counter_name(cid),
                live_make.staff())


def _finish_held(hall: Api, username: str, cid: int) -> None:
    for c in hall.get("/queue").ok()["counters"]:
        if c["id"] == cid and c["ticket"] is not None:
            hall.act(username, c["ticket"]["id"], "finish")


@pytest.fixture
def counter(hall: Api, desk: Desk) -> Iterator[int]:
    """The desk's counter, opened by its clerk; whatever it holds is finished afterwards."""
    cid = hall.open_counter(desk.staff, desk.counter)
    yield cid
    _finish_held(hall, desk.staff, cid)


@pytest.fixture
def loket1(hall: Api) -> Iterator[int]:
    """Loket 1 of Disdukcapil, opened by dukcapil1, for the demo's rating tablet registered
    to it; whatever it holds is finished afterwards."""
    cid = hall.open_counter("dukcapil1", "Loket 1")
    yield cid
    _finish_held(hall, "dukcapil1", cid)


def refused(url: str, auth: object) -> bool:
    client = InOrderClient(reconnection=False)
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
                                                            desk: Desk, counter: int):
    board.next("snapshot")
    issued = hall.issue(desk.code)
    hall.call_next(desk.staff, counter)
    call = board.next("called")
    assert call["ticket"]["number"] == issued["number"]
    assert call["counter"]["id"] == counter
    assert call["counter"]["name"] == desk.counter
    assert call["counter"]["spoken_name"] == "loket uji"
    assert call["recall"] is False
    assert call["ticket"]["status"] == "called"


def test_only_the_counters_tablet_gets_a_finished_ticket_with_its_token(
        board: HallListener, shared_server: LiveServer, hall: Api, loket1: int, desk: Desk,
        counter: int):
    """Every hall page hears that a counter's ticket changed, without the ticket's token; the
    display registered as the counter's rating tablet gets the finished ticket whole."""
    tablet = HallListener(shared_server.url, hall.device_token("tablet-1"),  # Loket 1's
                          counter=loket1).connect()
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
        hall.issue(desk.code)
        marker = hall.call_next(desk.staff, counter)
        for listener in (board, other):
            while listener.next("called")["ticket"]["id"] != marker["id"]:
                pass
        hall.act(desk.staff, marker["id"], "finish")
        everyone_else = board.heard + other.heard
        assert "survey_offer" not in [e for e, _ in everyone_else]
        assert issued["token"] not in repr(everyone_else)
    finally:
        tablet.close()
        other.close()


def test_recall_sends_another_called_event_marked_recall(board: HallListener, hall: Api,
                                                         desk: Desk, counter: int):
    board.next("snapshot")
    hall.issue(desk.code)
    ticket = hall.call_next(desk.staff, counter)
    assert board.next("called")["recall"] is False
    hall.act(desk.staff, ticket["id"], "recall")
    again = board.next("called")
    assert again["recall"] is True
    assert again["ticket"]["number"] == ticket["number"]
    assert again["counter"]["id"] == counter


def test_called_is_sent_only_after_the_call_is_committed(board: HallListener, hall: Api,
                                                         desk: Desk, counter: int,
                                                         shared_server: LiveServer):
    board.next("snapshot")
    hall.issue(desk.code)
    hall.call_next(desk.staff, counter)
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


@pytest.fixture
def fresh_service(live_make: Factories) -> str:
    """A service of the test's own, made before the board connects: its ticket stays
    waiting."""
    code = live_make.service()
    live_make.counter([code])
    return code


def test_queue_event_follows_a_new_ticket(fresh_service: str, board: HallListener, hall: Api,
                                         live_make: Factories):
    code = fresh_service
    snapshot = board.next("snapshot")
    sid = live_make.service_id(code)
    before = next(s["waiting"] for s in snapshot["services"] if s["service_id"] == sid)
    hall.issue(code)
    # A re-read of the counts settling an earlier test's changes may still come first (see
    # queue feed, mpp.queue_feed); the ticket's own `queue` event follows within the timeout.
    deadline = time.monotonic() + 5
    seen = []
    while before + 1 not in seen:
        counts = board.next("queue", timeout=max(0.1, deadline - time.monotonic()))
        seen.append(next(s["waiting"] for s in counts["services"] if s["service_id"] == sid))
    assert all(n in (before, before + 1) for n in seen), seen


def test_a_reconnecting_board_gets_a_fresh_snapshot_with_calls_it_missed(
        shared_server: LiveServer, hall: Api, desk: Desk, counter: int):
    token = hall.device_token("display-1")
    first = HallListener(shared_server.url, token).connect()
    first.next("snapshot")
    first.close()
    issued = hall.issue(desk.code)
    hall.call_next(desk.staff, counter)
    again = HallListener(shared_server.url, token).connect()
    try:
        latest = again.next("snapshot")["recent_calls"][0]
        assert latest["ticket"]["number"] == issued["number"]
        assert latest["counter"]["name"] == desk.counter
    finally:
        again.close()


@pytest.mark.parametrize("auth", [None, {"token": ""}, {"token": "not-a-device-token"},
                                  {"ticket_token": "x"}, "a string"],
                         ids=["none", "empty", "wrong", "other-key", "not-a-dict"])
def test_hall_refuses_a_client_without_a_valid_token(shared_server: LiveServer, auth: object):
    assert refused(shared_server.url, auth)


def test_a_staff_login_token_may_follow_the_hall(shared_server: LiveServer, hall: Api,
                                                 desk: Desk):
    listener = HallListener(shared_server.url, hall.staff_token(desk.staff)).connect()
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
