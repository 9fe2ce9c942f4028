"""Fixtures for the live hall: a real server process, a staff/kiosk API client over HTTP,
Socket.IO clients and a 1920x1080 board in Chromium."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support import databases
from ..support.api import Api
from ..support.live import LiveServer, module_server


@pytest.fixture(scope="module")
def shared_server(_sqlite_template: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for a whole module (starting one takes seconds): tests on it must not
    depend on what earlier tests issued or called."""
    with module_server(_sqlite_template, tmp_path_factory.mktemp("shared")) as server:
        yield server


@pytest.fixture(scope="module")
def hall(shared_server: LiveServer) -> Api:
    """Kiosk and counter actions against the module's server, over HTTP (one per module, so
    each staff member signs in once: the server limits sign-ins per address)."""
    return Api(shared_server.url)


@pytest.fixture
def tv(browser):  # type: ignore[no-untyped-def]
    """A 1920x1080 page, the size of the hall's TVs."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID",
                                  bypass_csp=True)  # for wait_for_function (tests/conftest.py)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shots(output_dir: Path) -> Path:
    return output_dir / "screenshots"


@pytest.fixture(scope="module")
def two_servers(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two server processes over one PostgreSQL database, fanning out through Redis on a
    channel of their own (shared by the module's tests)."""
    if not databases.REDIS_URL:
        pytest.skip(databases.REDIS_SKIP)
    template = request.getfixturevalue("_pg_template")  # skips, saying why, without PostgreSQL
    folder = tmp_path_factory.mktemp("fanout")
    env = {"MPP_REDIS_CHANNEL": f"mpp-test-{uuid.uuid4().hex[:12]}"}
    with databases.pg_copy(template) as url:
        a = LiveServer(url, folder / "a", redis_url=databases.REDIS_URL, extra_env=env).start()
        try:
            b = LiveServer(url, folder / "b", redis_url=databases.REDIS_URL, extra_env=env,
                           clock_offset=a.clock_offset).start()
        except Exception:
            a.stop()
            raise
        yield a, b
        b.stop(wait=False)
        a.stop(wait=False)
