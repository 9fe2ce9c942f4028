"""Device sockets across two server processes sharing PostgreSQL and Redis: one active print
agent per printer wherever each agent is connected, and a revoke made through one process
cutting the device's sockets held by the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import select

from mpp.config import Config
from mpp.db import Database
from mpp.models import Device
from mpp.services.printing import AGENT_SID
from printer.socket_client import InOrderClient

from ..support.admin_http import revoke_device
from ..support.agent_process import PRINTER, Agent
from ..support.api import Api
from ..support.factories import Factories
from ..support.fake_printer import FakeNetworkPrinter, wait_for
from ..support.live import LiveServer
from .hall import HallListener

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

#: how long a socket held by the other process may outlive its device's revoke: one check
#: interval, plus room for a busy machine
RECHECK_SECONDS = Config().DEVICE_RECHECK_SECONDS
CUT_WITHIN = RECHECK_SECONDS + 10


class RawAgent:
    """A python-socketio client on /print with printer-1's token, recording what it gets."""

    def __init__(self, url: str):
        self.jobs: list[dict[str, Any]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.client = InOrderClient(reconnection=False)
        self.client.on("print", self.jobs.append, namespace="/print")
        for name in ("replaced", "revoked"):
            self.client.on(name, lambda data, name=name: self.notices.append((name, data)),
                           namespace="/print")
        self.client.connect(url, namespaces=["/print"], auth={"token": PRINTER},
                            transports=["websocket"], wait_timeout=10)

    def numbers(self) -> list[str]:
        return [j["ticket"]["number"] for j in self.jobs]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture(scope="module")
def code(two_servers: tuple[LiveServer, LiveServer]) -> Iterator[str]:
    """A service of the module's own in the servers' database (support/factories.py): its
    tickets, taken at kiosk-1, print on printer-1."""
    make = Factories.live(two_servers[0])
    try:
        yield make.service()
    finally:
        make.close()


@pytest.fixture
def raw_agents() -> Iterator[list[RawAgent]]:
    made: list[RawAgent] = []
    yield made
    for a in made:
        a.close()


def test_an_agent_connecting_to_process_b_takes_over_from_one_on_process_a(
        two_servers: tuple[LiveServer, LiveServer], code: str,
        raw_agents: list[RawAgent]) -> None:
    a, b = two_servers
    old = RawAgent(a.url)
    raw_agents.append(old)
    new = RawAgent(b.url)
    raw_agents.append(new)
    wait_for(lambda: old.notices and not old.client.connected, what="old agent replaced")
    assert old.notices[0][0] == "replaced" and "took over" in old.notices[0][1]["message"]
    # kiosks issuing through either process: every job goes to the agent on B, once
    tickets = [Api(a.url).issue(code), Api(b.url).issue(code), Api(a.url).issue(code)]
    wait_for(lambda: len(new.jobs) >= 3, what="jobs at the new agent")
    assert new.numbers() == [t["number"] for t in tickets]
    assert old.jobs == []
    for job in new.jobs:
        assert new.client.call("printed", {"job_id": job["job_id"], "ok": True},
                               namespace="/print", timeout=10)["ok"] is True


def test_real_agents_on_two_processes_each_job_prints_once_on_the_newest(
        two_servers: tuple[LiveServer, LiveServer], code: str, tmp_path: Path) -> None:
    a, b = two_servers
    old_printer, new_printer = FakeNetworkPrinter(), FakeNetworkPrinter()
    old = Agent(a.url, old_printer.spec, tmp_path / "old.txt", tmp_path / "old.log").start()
    new: Agent | None = None
    try:
        first = Api(a.url).issue(code)
        wait_for(lambda: old_printer.numbers() == [first["number"]], what="printed on A")
        new = Agent(b.url, new_printer.spec, tmp_path / "new.txt", tmp_path / "new.log")
        new.start()
        wait_for(lambda: old.exited() is not None, what="the agent on A stops")
        assert old.exited() == 3 and "took over" in old.log.read_text()
        tickets = [Api(a.url).issue(code), Api(b.url).issue(code)]
        wait_for(lambda: len(new_printer.numbers()) == 2, what="printed on B")
        assert new_printer.numbers() == [t["number"] for t in tickets]
        assert old_printer.numbers() == [first["number"]]
        assert new.exited() is None
    finally:
        old.stop()
        if new is not None:
            new.stop()
        old_printer.close()
        new_printer.close()


def test_a_replaced_agent_missed_by_the_direct_cut_goes_at_the_next_check(
        two_servers: tuple[LiveServer, LiveServer], raw_agents: list[RawAgent]) -> None:
    """The periodic check alone: the database says another session is the active agent (as
    when the disconnect message was lost), so process B's check cuts its agent."""
    _, b = two_servers
    agent = RawAgent(b.url)
    raw_agents.append(agent)
    db = Database(b.db_url)
    try:
        with db.write() as s:
            printer = s.scalars(select(Device).where(Device.name == "printer-1")).one()
            printer.state = {**printer.state, AGENT_SID: "a-session-on-another-process"}
    finally:
        db.dispose()
    wait_for(lambda: not agent.client.connected, timeout=CUT_WITHIN, what="agent cut")
    assert [n for n, _ in agent.notices] == ["replaced"]


def test_revoking_a_display_through_process_a_cuts_its_socket_on_process_b(
        two_servers: tuple[LiveServer, LiveServer]) -> None:
    a, b = two_servers
    hall = Api(a.url)
    display_b = HallListener(b.url, hall.device_token("display-1")).connect()
    display_a = HallListener(a.url, hall.device_token("display-1")).connect()
    kiosk_b = HallListener(b.url, hall.device_token("kiosk-1")).connect()
    try:
        for listener in (display_b, display_a, kiosk_b):
            listener.next("snapshot")
        revoke_device(a.url, a.db_url, "display-1")
        # on the process that handled the revoke, and on the other one at its next check of
        # its device sockets (how soon is for bench/, not for a test on a shared machine)
        wait_for(lambda: not display_a.client.connected, timeout=CUT_WITHIN,
                 what="display on A cut")
        wait_for(lambda: not display_b.client.connected, timeout=CUT_WITHIN,
                 what="display on B cut")
        assert display_b.next("revoked", timeout=1)["code"] == "revoked"
        # the other devices stay, and the revoked token cannot come back on either process
        assert kiosk_b.client.connected
        hall.issue("KTP")
        kiosk_b.next("queue")
        for server in (a, b):
            with pytest.raises(socketio.exceptions.ConnectionError):
                HallListener(server.url, hall.device_token("display-1")).connect()
    finally:
        for listener in (display_b, display_a, kiosk_b):
            if listener.client.connected:
                listener.close()
