"""User sockets across two server processes sharing PostgreSQL and Redis: a user deactivated
through one process (or anywhere else) loses the live /hall sockets held by both, and a
signed-out login token's socket goes too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from mpp.config import Config
from mpp.db import Database
from mpp.models import User

from ..support.api import Api
from ..support.factories import Factories
from ..support.fake_printer import wait_for
from ..support.live import LiveServer
from .hall import HallListener

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

#: one check interval of the other process, plus room for a busy machine
CUT_WITHIN = Config().DEVICE_RECHECK_SECONDS + 10


@pytest.fixture(scope="module")
def clerks(two_servers: tuple[LiveServer, LiveServer]) -> Iterator[list[str]]:
    """Three clerks of the module's own in the servers' database (support/factories.py)."""
    make = Factories.live(two_servers[0])
    try:
        yield [make.staff() for _ in range(3)]
    finally:
        make.close()


def test_deactivating_a_user_cuts_their_sockets_on_both_processes(
        two_servers: tuple[LiveServer, LiveServer], clerks: list[str]) -> None:
    a, b = two_servers
    token = Api(a.url).login(clerks[0])
    bystander = Api(a.url).login(clerks[1])
    on_a = HallListener(a.url, token).connect()
    on_b = HallListener(b.url, token).connect()
    other_b = HallListener(b.url, bystander).connect()
    try:
        for listener in (on_a, on_b, other_b):
            listener.next("snapshot")
        db = Database(a.db_url)
        try:
            with db.write() as s:  # as another process, or the CLI, would
                s.scalars(select(User).where(User.username == clerks[0])).one().active = False
        finally:
            db.dispose()
        wait_for(lambda: not on_a.client.connected, timeout=CUT_WITHIN, what="cut on A")
        wait_for(lambda: not on_b.client.connected, timeout=CUT_WITHIN, what="cut on B")
        assert on_b.next("revoked", timeout=1)["code"] == "revoked"
        assert other_b.client.connected
    finally:
        for listener in (on_a, on_b, other_b):
            if listener.client.connected:
                listener.close()


def test_an_api_logout_through_one_process_cuts_the_tokens_socket_on_the_other(
        two_servers: tuple[LiveServer, LiveServer], clerks: list[str]) -> None:
    a, b = two_servers
    token = Api(a.url).login(clerks[2])
    on_b = HallListener(b.url, token).connect()
    try:
        on_b.next("snapshot")
        assert Api(a.url).post("/auth/logout", token=token).status == 200
        wait_for(lambda: not on_b.client.connected, timeout=CUT_WITHIN, what="cut on B")
    finally:
        if on_b.client.connected:
            on_b.close()
