"""The in-order Socket.IO client (printer/socket_client.py), without a server."""

from __future__ import annotations

import threading
import time

import pytest
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from printer import socket_client
from printer.socket_client import InOrderClient
from tests.support.fake_printer import wait_for


def _deliver(client: InOrderClient, event: str, data: object) -> None:
    """An event as the server would send it, given to the client's Engine.IO layer."""
    message = sio_packet.Packet(sio_packet.EVENT, namespace="/hall", data=[event, data])
    client.eio._receive_packet(eio_packet.Packet(eio_packet.MESSAGE, data=message.encode()))


def _dispatchers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "socketio-messages"]


def test_events_are_handled_in_the_order_they_came_even_when_one_handler_is_slow() -> None:
    client = InOrderClient(reconnection=False)
    handled: list[int] = []

    def called(n: int) -> None:
        if n == 0:
            time.sleep(0.3)
        handled.append(n)

    client.on("called", called, namespace="/hall")
    for n in range(20):
        _deliver(client, "called", n)
    wait_for(lambda: len(handled) == 20, what="twenty events handled")
    assert handled == list(range(20))


def test_a_handler_that_fails_does_not_stop_the_ones_after_it() -> None:
    client = InOrderClient(reconnection=False)
    handled: list[int] = []

    def called(n: int) -> None:
        if n == 1:
            raise RuntimeError("a broken handler")
        handled.append(n)

    client.on("called", called, namespace="/hall")
    for n in range(3):
        _deliver(client, "called", n)
    wait_for(lambda: handled == [0, 2], what="the events around the failing one")


def test_the_dispatcher_thread_ends_when_idle_and_the_next_message_starts_another(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket_client, "IDLE_SECONDS", 0.2)
    before = len(_dispatchers())
    client = InOrderClient(reconnection=False)
    handled: list[int] = []
    client.on("called", handled.append, namespace="/hall")
    _deliver(client, "called", 1)
    wait_for(lambda: handled == [1], what="the first event")
    wait_for(lambda: client.eio._dispatcher is None, what="the idle dispatcher to end")
    wait_for(lambda: len(_dispatchers()) <= before, what="its thread gone")
    _deliver(client, "called", 2)
    wait_for(lambda: handled == [1, 2], what="the event after the pause")
