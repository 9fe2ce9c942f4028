"""Fixtures for the counter console and the status page: a live server, a small HTTP
client for acting as the kiosk or another staff member, and browser helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support.api import Api
from ..support.live import LiveServer, module_server


@pytest.fixture(scope="module")
def shared_server(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[LiveServer]:
    """One server for a whole module whose tests each keep to their own agency's
    services and counters (starting a server costs seconds on a small machine)."""
    # each test signs its own staff in: more sign-ins from one address than a hall allows
    with module_server(_sqlite_template, tmp_path_factory.mktemp("shared"),
                       {"MPP_LOGIN_RATE_LIMIT": "1000 per minute"}) as server:
        yield server


@pytest.fixture
def shared_hall(shared_server: LiveServer) -> Api:
    return Api(shared_server.url)


@pytest.fixture
def shots(output_dir: Path) -> Path:
    return output_dir / "screenshots"


@pytest.fixture
def desk_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A page the size of an old office monitor (1024×768)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A phone-sized page that records navigator.vibrate calls in window.__vibrations."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.add_init_script("""
        window.__vibrations = [];
        navigator.vibrate = function (pattern) { window.__vibrations.push(pattern); return true; };
    """)
    page = context.new_page()
    yield page
    context.close()
