"""A board hears a service open at its hour, with nothing else happening in the hall: a
real python-socketio client on /hall of a real `mpp run` (mpp.hours_watch)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mpp.db import Database
from mpp.models import Service

from ..support import databases
from ..support.api import Api
from ..support.factories import Factories
from ..support.live import LiveServer
from .hall import HallListener

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def server(_sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own whose clock reads about 10:00:50 today (site time) when it is
    up, so the test waits seconds, not a minute, for the next turn of the hours, and the
    hour it opens the service at is never past midnight, whatever the suite's clock."""
    now = datetime.now(UTC)
    target = datetime.combine(now.astimezone(WITA).date(), time(10, 0, 52), tzinfo=WITA)
    offset = (target - now).total_seconds() - 3  # starting takes a few seconds
    started = LiveServer(databases.sqlite_copy(_sqlite_template, tmp_path), tmp_path / "live",
                         clock_offset=offset).start()
    yield started
    started.stop()


def _server_now(server: LiveServer) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=server.clock_offset)).astimezone(WITA)


def _issuing(event: dict[str, Any], service_id: int) -> bool | None:
    rows = [r["issuing"] for r in event["services"] if r["service_id"] == service_id]
    return rows[0] if rows else None


def test_a_board_hears_a_service_open_at_its_hour_with_nothing_else_happening(
        server: LiveServer) -> None:
    make = Factories.live(server)
    try:
        sid = make.service_id(make.service(hours="closed"))
    finally:
        make.close()
    board = HallListener(server.url, Api(server.url).device_token("display-1")).connect()
    try:
        snapshot = board.next("snapshot", timeout=5)
        assert [r["issuing"] for r in snapshot["services"] if r["service_id"] == sid] == [False]
        # it opens at the next whole minute at least 3 s away (the hours are in minutes),
        # written straight to the database: no issue, call or admin change tells the hall
        now = _server_now(server)
        opens = (now + timedelta(seconds=63)).replace(second=0, microsecond=0)
        db = Database(server.db_url)
        try:
            with db.write() as s:
                s.scalars(select(Service).where(Service.id == sid)).one().hours = (
                    f"{opens:%H:%M}-24:00")
        finally:
            db.dispose()
        wait = (opens - _server_now(server)).total_seconds()
        while True:
            event = board.next("queue", timeout=wait + 15)
            if _issuing(event, sid):
                break
        heard = _server_now(server)
        assert opens <= heard < opens + timedelta(seconds=15), (opens, heard)
    finally:
        board.close()
