"""Fan-out through Redis: two server processes share one PostgreSQL database and one Redis;
a call made through one reaches boards connected to the other."""

from __future__ import annotations

import queue

import pytest
import socketio

from ..support.api import Api
from ..support.live import LiveServer
from .hall import HallListener

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_a_call_made_through_process_a_reaches_a_board_on_process_b(
        two_servers: tuple[LiveServer, LiveServer]):
    a, b = two_servers
    via_a = Api(a.url)
    board_b = HallListener(b.url, via_a.device_token("display-1")).connect()
    board_a = HallListener(a.url, via_a.device_token("display-1")).connect()
    try:
        board_b.next("snapshot")
        board_a.next("snapshot")
        issued = via_a.issue("KTP")
        cid = via_a.open_counter("dukcapil1", "Loket 1")
        via_a.call_next("dukcapil1", cid)
        for board in (board_b, board_a):
            call = board.next("called", timeout=5)
            assert call["ticket"]["number"] == issued["number"]
            assert call["counter"]["name"] == "Loket 1"
        via_a.act("dukcapil1", issued["id"], "recall")
        assert board_b.next("called", timeout=5)["recall"] is True
        via_a.act("dukcapil1", issued["id"], "finish")
    finally:
        board_a.close()
        board_b.close()


def test_a_ticket_page_on_process_b_follows_a_call_made_on_process_a(
        two_servers: tuple[LiveServer, LiveServer]):
    a, b = two_servers
    via_a = Api(a.url)
    issued = via_a.issue("KTP")
    updates: queue.Queue = queue.Queue()
    citizen = socketio.Client(reconnection=False)
    citizen.on("ticket", lambda data: updates.put(data), namespace="/ticket")
    citizen.connect(b.url, namespaces=["/ticket"], auth={"ticket_token": issued["token"]},
                    transports=["websocket"], wait_timeout=10)
    try:
        assert updates.get(timeout=5)["ticket"]["status"] == "waiting"
        via_a.call_next("dukcapil1", via_a.open_counter("dukcapil1", "Loket 1"))
        called = updates.get(timeout=5)["ticket"]
        assert called["status"] == "called"
        assert called["counter"]["name"] == "Loket 1"
        via_a.act("dukcapil1", issued["id"], "finish")
    finally:
        citizen.disconnect()
