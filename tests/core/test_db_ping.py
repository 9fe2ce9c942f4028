"""Pooled PostgreSQL connections are tested only after lying idle (mpp.db.ping_when_idle):
a dead one is replaced before use, and in steady use no request pays a ping's round trip."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from mpp.db import ping_when_idle

PID = text("SELECT pg_backend_pid()")


def _pool_of_one(url: str, idle_seconds: float):  # type: ignore[no-untyped-def]
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds)
    return engine


def _kill(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        assert c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def test_a_connection_idle_past_the_limit_is_tested_and_a_dead_one_replaced(pg_url: str):
    engine = _pool_of_one(pg_url, idle_seconds=0.2)
    with engine.connect() as c:
        first = c.execute(PID).scalar_one()
    _kill(pg_url, first)
    time.sleep(0.3)  # idle past the limit: tested at checkout, found dead, replaced
    with engine.connect() as c:
        assert c.execute(PID).scalar_one() != first
    engine.dispose()


def test_in_steady_use_a_connection_is_not_tested_and_a_dead_one_fails_once(pg_url: str):
    """Without the test, a connection killed meanwhile fails its first statement; the pool
    then drops it and the next transaction works on a new one (the 503-then-recovery of
    tests/ops/test_database_faults.py)."""
    engine = _pool_of_one(pg_url, idle_seconds=3600)
    with engine.connect() as c:
        first = c.execute(PID).scalar_one()
    _kill(pg_url, first)
    time.sleep(0.1)
    with pytest.raises(DBAPIError) as failed, engine.connect() as c:
        c.execute(PID)
    assert failed.value.connection_invalidated
    with engine.connect() as c:
        assert c.execute(PID).scalar_one() != first
    engine.dispose()
