"""Fixtures of the print tests: a live server and the agent processes started against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.agent_process import Agent
from tests.support.fake_printer import FakeNetworkPrinter
from tests.support.live import LiveServer
from tests.support.print_live import own_service


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server the print tests talk to (the suite's ``live_server``)."""
    return live_server


@pytest.fixture
def code(server: LiveServer) -> str:
    """A service of the test's own on the server, prefix Q: its tickets are Q001, Q002 …"""
    return own_service(server)


@pytest.fixture
def printer() -> Iterator[FakeNetworkPrinter]:
    """A network receipt printer on a loopback port that keeps what it is sent (the serial
    printer tests use their own ``tty``)."""
    p = FakeNetworkPrinter()
    yield p
    p.close()


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    """Agents started by the test; stopped at its end."""
    made: list[Agent] = []
    yield made
    for a in made:
        a.stop()
