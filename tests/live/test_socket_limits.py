"""Limits on live sockets (mpp.socket_guard), on a real server: per client address, per
ticket, and a client that stops reading is cut without slowing the others."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
import socketio
import websocket

from printer.socket_client import InOrderClient

from ..support import databases
from ..support.api import Api
from ..support.factories import Desk, Factories
from ..support.live import LiveServer
from .hall import HallListener


def _server(template: Path, tmp_path: Path, **env: str) -> LiveServer:
    return LiveServer(databases.sqlite_copy(template, tmp_path), tmp_path / "live",
                      extra_env=env).start()


def _page(url: str, token: str) -> socketio.Client:
    client = InOrderClient(reconnection=False)
    client.connect(url, namespaces=["/ticket"], auth={"ticket_token": token},
                   transports=["websocket"], wait_timeout=10)
    return client


def _refused(url: str, token: str) -> str:
    """The reason the server gave for refusing a page's socket."""
    client = InOrderClient(reconnection=False)
    reasons: list[object] = []
    client.on("connect_error", reasons.append, namespace="/ticket")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, namespaces=["/ticket"], auth={"ticket_token": token},
                       transports=["websocket"], wait_timeout=10)
    return json.dumps(reasons)


def _wait_for(what: str, ready, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _desk(server: LiveServer) -> Desk:
    """A service, counter and clerk of the test's own on its server."""
    make = Factories.live(server)
    try:
        return make.desk()
    finally:
        make.close()


def test_sockets_per_address_are_limited_and_the_refusal_is_logged(
        _sqlite_template: Path, tmp_path: Path):
    server = _server(_sqlite_template, tmp_path, MPP_SOCKETS_PER_ADDRESS="3")
    try:
        hall, code = Api(server.url), _desk(server).code
        tickets = [hall.issue(code)["token"] for _ in range(4)]
        pages = [_page(server.url, t) for t in tickets[:3]]
        assert "too_many_sockets" in _refused(server.url, tickets[3])
        _wait_for("the refusal in the log",
                  lambda: "MPP_SOCKETS_PER_ADDRESS" in server.log.read_text())
        pages.pop().disconnect()  # a page closes: its place is free again
        _wait_for("a free place", lambda: _try(server.url, tickets[3]))
        for p in pages:
            p.disconnect()
    finally:
        server.stop()


def _try(url: str, token: str) -> bool:
    try:
        _page(url, token).disconnect()
        return True
    except socketio.exceptions.ConnectionError:
        return False


def test_one_ticket_may_be_followed_by_a_few_pages_not_hundreds(
        _sqlite_template: Path, tmp_path: Path):
    server = _server(_sqlite_template, tmp_path, MPP_SOCKETS_PER_TICKET="2")
    try:
        token = Api(server.url).issue(_desk(server).code)["token"]
        pages = [_page(server.url, token) for _ in range(2)]
        assert "too_many_sockets" in _refused(server.url, token)
        assert "MPP_SOCKETS_PER_TICKET" in server.log.read_text()
        for p in pages:
            p.disconnect()
    finally:
        server.stop()


def test_a_client_that_stops_reading_is_cut_and_the_others_are_not_slowed(
        _sqlite_template: Path, tmp_path: Path):
    """A board that asks for snapshot after snapshot and reads none: its messages pile up
    in the server; past MPP_SOCKET_BACKLOG its socket is closed, while a well-behaved board
    goes on hearing calls."""
    server = _server(_sqlite_template, tmp_path, MPP_SOCKET_BACKLOG="20")
    try:
        hall = Api(server.url)
        display = hall.device_token("display-1")
        good = HallListener(server.url, display).connect()
        good.next("snapshot")
        stuck = websocket.create_connection(
            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=10)
        assert stuck.recv().startswith("0")  # Engine.IO open
        stuck.send("40/hall," + json.dumps({"token": display}))
        # from here on it only writes: 400 snapshot requests, each answered with the whole
        # hall, which it never reads
        for _ in range(400):
            stuck.send('42/hall,["snapshot"]')
        _wait_for("the slow reader to be cut",
                  lambda: "closed a socket that stopped reading" in server.log.read_text())
        desk = _desk(server)
        cid = hall.open_counter(desk.staff, desk.counter)
        ticket = hall.issue(desk.code)
        hall.call_next(desk.staff, cid)
        assert good.next("called", timeout=10)["ticket"]["number"] == ticket["number"]
        good.close()
        stuck.close()
    finally:
        server.stop()
