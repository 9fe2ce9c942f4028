"""Fixtures of the print tests: a live server and the agent processes started against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agent_process import Agent
from tests.support.live import LiveServer


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    s = LiveServer(db_url, tmp_path / "live").start()
    yield s
    s.stop()


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    """Agents started by the test; stopped at its end."""
    made: list[Agent] = []
    yield made
    for a in made:
        a.stop()
