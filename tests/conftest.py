"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), the app with a
fixed clock, an API client with the demo credentials, live servers and a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpp import create_app
from mpp.clock import FixedClock
from mpp.config import TestConfig
from mpp.events import MemoryPublisher
from mpp.hall import Hall

from .support import databases
from .support.api import Api
from .support.databases import PG_SKIP, PG_URL, REDIS_SKIP, REDIS_URL, START
from .support.factories import Factories
from .support.live import LiveServer, ServerAhead, wait_for_stopping
from .support.turns import Turns

OUTPUT = Path(os.environ.get("MPP_TEST_OUTPUT", Path(__file__).parent.parent / "test-output"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "per_day: reads per-day numbers or today's calls from a live server; CI runs "
        "these again with the servers' clocks one minute before the site's midnight "
        "(MPP_TEST_LIVE_CLOCK=23:59, see support/live_clock.py)")
    config.addinivalue_line(
        "markers", "alone: asserts latencies under its own load; run in parallel (pytest-xdist), "
        "no other test runs beside it (support/turns.py)")


#: under pytest-xdist, this worker's turns with the other workers (support/turns.py)
TURNS: Turns | None = None


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    global TURNS
    basetemp = getattr(session.config, "workerinput", None) and session.config.option.basetemp
    if basetemp:  # an xdist worker: its basetemp is popen-gwN in the run's own folder
        TURNS = Turns(Path(basetemp).parent / "turns")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """An ``alone`` test waits until the other workers' tests are over, and they wait for it
    (its setup, call and teardown: module fixtures start and stop inside them)."""
    if TURNS is None:
        return (yield)
    with TURNS.turn(alone=item.get_closest_marker("alone") is not None):
        return (yield)


#: fixtures that bring in a PostgreSQL or Redis server (parameters named "postgres" too)
SERVER_FIXTURES = {"postgres": {"pg_url", "_pg_template", "two_servers"},
                   "redis": {"redis_url", "two_servers"}}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test `postgres` / `redis` from the fixtures it uses, so `-m` selects all
    the tests that need a server, not only those whose file says so. Under pytest-xdist
    (``--dist loadgroup``), the tests of a module that share a module-scoped fixture (its
    server) run on one worker, one after another, which starts that server once."""
    for item in items:
        fixturedefs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if any(defs[-1].scope in ("module", "class") for defs in fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        for marker, fixtures in SERVER_FIXTURES.items():
            if names & fixtures or (marker == "postgres" and "postgres" in params.values()):
                item.add_marker(marker)


#: outcomes that must fail CI: a test that did not run, or whose result was excused
SOFT_OUTCOMES = ("skipped", "xfailed", "xpassed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With MPP_TEST_NO_SKIP set (CI sets it), a skipped, xfailed or xpassed test fails the
    run: CI must run the PostgreSQL, Redis and browser tests, and never excuse a result."""
    SERVER_AHEAD.close()
    wait_for_stopping()  # the servers whose teardown did not wait for them
    databases.wait_for_drops()  # and the databases dropped meanwhile
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not os.environ.get("MPP_TEST_NO_SKIP") or exitstatus != 0:
        return
    soft = {kind: len(reporter.stats.get(kind, [])) for kind in SOFT_OUTCOMES}
    if any(soft.values()):
        counts = ", ".join(f"{n} {kind}" for kind, n in soft.items() if n)
        reporter.write_line(f"MPP_TEST_NO_SKIP: {counts}; CI must run every test and accept "
                            "no excused result (the reasons follow)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests save screenshots and other artefacts to look at (git-ignored)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "screenshots").mkdir(exist_ok=True)
    return OUTPUT


# -- databases -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    with databases.pg_template() as name:
        yield name


def _database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield databases.sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    else:
        with databases.pg_copy(request.getfixturevalue("_pg_template")) as url:
            yield url


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite database holding the demo MPP."""
    yield from _database("sqlite", request, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh demo database on each backend: the test runs once on SQLite, once on PostgreSQL."""
    yield from _database(request.param, request, tmp_path)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL demo database."""
    yield from _database("postgres", request, tmp_path)


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    return REDIS_URL


# -- the app ---------------------------------------------------------------------------------
@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-11-23 09:00 in Asia/Makassar, until a test moves it."""
    return FixedClock(START)


def make_app(url: str, clock: FixedClock, **overrides: object):  # type: ignore[no-untyped-def]
    app = create_app(TestConfig(url, **overrides), clock=clock)
    hall: Hall = app.extensions["mpp"]
    recorder = MemoryPublisher()
    inner = hall.publisher

    class Both:
        def publish(self, events):  # type: ignore[no-untyped-def]
            recorder.publish(events)
            inner.publish(events)

    hall.queue.publisher = Both()
    app.extensions["mpp_events"] = recorder
    return app


@pytest.fixture
def app(db_url: str, clock: FixedClock):  # type: ignore[no-untyped-def]
    app = make_app(db_url, clock)
    yield app
    app.extensions["mpp"].close()


@pytest.fixture
def any_app(any_db_url: str, clock: FixedClock):  # type: ignore[no-untyped-def]
    """The app on SQLite and on PostgreSQL."""
    app = make_app(any_db_url, clock)
    yield app
    app.extensions["mpp"].close()


@pytest.fixture(scope="module")
def live_make(shared_server: LiveServer) -> Iterator[Factories]:
    """Services, counters and clerks of the module's own on its ``shared_server`` (tests/live/
    and tests/pages/ each have one), tickets over its HTTP API (support/factories.py)."""
    make = Factories.live(shared_server)
    yield make
    make.close()


@pytest.fixture
def make(app) -> Factories:  # type: ignore[no-untyped-def]
    """Services, counters, staff and tickets of the test's own (support/factories.py)."""
    return Factories(app)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def api(client) -> Api:  # type: ignore[no-untyped-def]
    return Api(client)


@pytest.fixture
def events(app) -> MemoryPublisher:  # type: ignore[no-untyped-def]
    """What the services published, in order."""
    return app.extensions["mpp_events"]


@pytest.fixture
def mpp(db_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """The `mpp` command on the test database: ``mpp("site", "export")`` gives click's
    result (``exit_code``, ``output``)."""
    from click.testing import CliRunner

    from mpp.cli import main

    monkeypatch.setenv("MPP_DATABASE_URL", db_url)
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPP_SECRET_KEY", "cli-secret")
    monkeypatch.delenv("MPP_REDIS_URL", raising=False)
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    return run


# -- live servers and the browser ------------------------------------------------------------
#: the next `live_server`, started while the test before runs; not when the suite's clock is
#: placed (MPP_TEST_LIVE_CLOCK): a server started ahead would read a later hour than asked
SERVER_AHEAD = ServerAhead(off=bool(os.environ.get("MPP_TEST_LIVE_CLOCK", "").strip()))


@pytest.fixture
def live_server(request: pytest.FixtureRequest, _sqlite_template: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`mpp run` on a free port over a fresh SQLite demo database of its own (the suite's
    clock, support/live_clock.py); a test that also asks for ``db_url`` gets the server on
    that database."""
    if "db_url" in request.fixturenames:
        server = LiveServer(request.getfixturevalue("db_url"),
                            request.getfixturevalue("tmp_path") / "live").start()
    else:
        def make() -> LiveServer:
            folder = tmp_path_factory.mktemp("live")
            return LiveServer(databases.sqlite_copy(_sqlite_template, folder), folder / "live")

        server = SERVER_AHEAD.take(make)
    yield server
    server.stop(wait=False)  # its graceful stop takes seconds; the next test need not wait


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium); .ci/run "
                    "installs it")
    from playwright.sync_api import expect, sync_playwright

    # Playwright's assertions wait 5 s by default; on CI's two shared cores, with three test
    # workers and their servers, a page may take longer to show what it shows at once alone
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    # Playwright's wait_for_function evaluates strings in the page, which the app's CSP (no
    # eval) refuses; tests/security/test_csp_browser.py checks every screen under the CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID",
                                  bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()
