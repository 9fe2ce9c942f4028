"""Fan-out through Redis: two server processes share one PostgreSQL database and one Redis;
a call made through one reaches boards connected to the other."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from printer.socket_client import InOrderClient

from ..support.api import Api
from ..support.factories import Desk, Factories
from ..support.live import LiveServer
from .hall import HallListener

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture(scope="module")
def desk(two_servers: tuple[LiveServer, LiveServer]) -> Iterator[Desk]:
    """A service, counter and clerk of the module's own in the servers' database."""
    make = Factories.live(two_servers[0])
    try:
        yield make.desk()
    finally:
        make.close()


def test_a_call_made_through_process_a_reaches_a_board_on_process_b(
        two_servers: tuple[LiveServer, LiveServer], desk: Desk):
    a, b = two_servers
    via_a = Api(a.url)
    board_b = HallListener(b.url, via_a.device_token("display-1")).connect()
    board_a = HallListener(a.url, via_a.device_token("display-1")).connect()
    try:
        board_b.next("snapshot")
        board_a.next("snapshot")
        issued = via_a.issue(desk.code)
        cid = via_a.open_counter(desk.staff, desk.counter)
        via_a.call_next(desk.staff, cid)
        for board in (board_b, board_a):
            call = board.next("called", timeout=5)
            assert call["ticket"]["number"] == issued["number"]
            assert call["counter"]["name"] == desk.counter
        via_a.act(desk.staff, issued["id"], "recall")
        assert board_b.next("called", timeout=5)["recall"] is True
        via_a.act(desk.staff, issued["id"], "finish")
    finally:
        board_a.close()
        board_b.close()


def test_a_ticket_page_on_process_b_follows_a_call_made_on_process_a(
        two_servers: tuple[LiveServer, LiveServer], desk: Desk):
    a, b = two_servers
    via_a = Api(a.url)
    issued = via_a.issue(desk.code)
    updates: queue.Queue = queue.Queue()
    citizen = InOrderClient(reconnection=False)
    citizen.on("ticket", lambda data: updates.put(data), namespace="/ticket")
    citizen.connect(b.url, namespaces=["/ticket"], auth={"ticket_token": issued["token"]},
                    transports=["websocket"], wait_timeout=10)
    try:
        assert updates.get(timeout=5)["ticket"]["status"] == "waiting"
        via_a.call_next(desk.staff, via_a.open_counter(desk.staff, desk.counter))
        called = updates.get(timeout=5)["ticket"]
        assert called["status"] == "called"
        assert called["counter"]["name"] == desk.counter
        via_a.act(desk.staff, issued["id"], "finish")
    finally:
        citizen.disconnect()
