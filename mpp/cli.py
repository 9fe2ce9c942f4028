"""The `mpp` command: thin wrappers over the services (see ../shared/contract.md)."""

from __future__ import annotations

import socket
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from .config import Config, persistent_secret
from .db import Database
from .domain.actor import Actor
from .domain.errors import DomainError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _db(config: Config) -> Database:
    from . import migrate

    try:
        db = Database(config.DATABASE_URL)
    except Exception as exc:  # noqa: BLE001 - a malformed URL or a missing driver
        _fail(f"MPP_DATABASE_URL is not usable: {str(exc).splitlines()[0]}")
    try:
        migrate.upgrade(db)
    except Exception as exc:  # noqa: BLE001 - one readable line, whatever the driver says
        _fail(f"cannot open the database {db.engine.url.render_as_string()}: "
              f"{str(exc).splitlines()[0]}")
    return db


def _now() -> datetime:
    """The system clock (moved only where a test set MPP_TEST_CLOCK_OFFSET)."""
    from .clock import clock_from_environment

    return clock_from_environment().now()


class _CLIGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            _fail(exc.message)


@click.group(cls=_CLIGroup)
@click.version_option(package_name="mpp")
def main() -> None:
    """mpp: queue and service counters for a Mal Pelayanan Publik."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (run once before starting workers)."""
    _db(Config())
    click.echo("schema up to date")


def _lan_address() -> str:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the interface
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="0: a free port, announced on the 'Serving on' line.")
@click.option("--demo/--no-demo", default=None,
              help="Load the demo MPP (default: only when the database is empty).")
@click.option("--connections", default=None, type=click.IntRange(min=50),
              help="The most live pages and requests held at once (default 10000).")
@click.option("--print-agent/--no-print-agent", "print_agent", default=None,
              help="Run the demo printer's print agent, printing into a file under the data "
                   "folder (default: when the demo is loaded).")
def run(host: str, port: int, demo: bool | None, connections: int | None,
        print_agent: bool | None) -> None:
    """Create the schema if needed and serve the whole app."""
    import os

    from . import create_app, migrate
    from .server import DEFAULT_CONNECTIONS, serve
    from .services.demo import DEMO_USERS, demo_tokens_in_use, load_demo

    config = Config()
    listener = _listen(host, port)
    port = listener.getsockname()[1]  # the one the system chose for --port 0
    if "MPP_PUBLIC_URL" not in os.environ:
        shown = _lan_address() if host in ("0.0.0.0", "::") else host
        config.PUBLIC_URL = f"http://{shown}:{port}"
    db = _db(config)
    if demo is None:
        demo = migrate.is_empty(db)
    elif not demo and migrate.is_empty(db):
        _fail("the database has no site: load one with `mpp site load FILE` or use --demo")
    secret = config.SECRET_KEY or persistent_secret(config.DATA_DIR)
    config.SECRET_KEY = secret
    base = config.PUBLIC_URL
    click.echo(f"mpp {_version()} on {db.engine.url.render_as_string()}")
    tokens = None
    if demo:
        with db.write() as s:
            tokens = load_demo(s, _now(), secret)
        click.echo("Demo MPP loaded.")
    else:
        with db.read() as s:
            tokens = demo_tokens_in_use(s, secret)
    if tokens:
        click.echo("Open:")
        # the token after "#": the page keeps it, and it reaches no access log (issue 9)
        links = [("kiosk", f"{base}/kiosk#token={tokens['kiosk-1']}"),
                 ("display board", f"{base}/display#token={tokens['display-1']}"),
                 ("counter console", f"{base}/console"),
                 ("dashboard", f"{base}/dashboard"),
                 ("admin", f"{base}/admin"),
                 ("API", f"{base}/api/v1/openapi.json"),
                 ("print agent", f"mpp printer-agent --server {base} --token "
                                 f"{tokens['printer-1']} --printer file:/tmp/mpp-tickets.bin")]
        if print_agent is None:
            print_agent = bool(demo)
        paper = Path(config.DATA_DIR).resolve() / "demo-tickets.bin"
        if print_agent:
            # a newcomer sees the happy path: the kiosk's tickets are "printed" (into a file)
            links[-1] = ("print agent", f"running by itself: tickets print into {paper} "
                                        "(--no-print-agent to leave printing to a real one)")
        for label, link in links:
            click.echo(f"  {label:16} {link}")
        click.echo("Demo logins (username / password):")
        for u in DEMO_USERS:
            click.echo(f"  {u.username:18} {u.password:12} {u.role}"
                       + (f" ({u.agency})" if u.agency else ""))
    db.dispose()
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)", nl=True)
    sys.stdout.flush()
    if tokens and print_agent:
        _start_demo_print_agent(host, port, tokens["printer-1"], paper)
    # the app is built in the gevent worker, after it has patched the standard library
    serve(lambda: create_app(config), host, port, connections or DEFAULT_CONNECTIONS,
          listener_fd=listener.detach())  # gunicorn owns (and closes) the socket from here


def _start_demo_print_agent(host: str, port: int, token: str, paper: Path) -> None:
    """The demo printer's agent as a child process printing into ``paper``; it ends with the
    server (the same process group takes Ctrl+C; at exit it is told to stop)."""
    import atexit
    import subprocess

    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    server = f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"
    paper.parent.mkdir(parents=True, exist_ok=True)
    agent = subprocess.Popen([sys.executable, "-m", "mpp.cli", "printer-agent",
                              "--server", server, "--token", token,
                              "--printer", f"file:{paper}", "--no-status-query",
                              "--journal", str(paper.with_name("demo-print-journal.txt"))])
    atexit.register(agent.terminate)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is announced: with port 0 the system
    picks a free port, and whatever answers on the announced port is this process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    both = host == "::" and socket.has_dualstack_ipv6()  # "::" also hears IPv4, as before
    try:
        return socket.create_server((host, port), family=family, backlog=2048,
                                    dualstack_ipv6=both)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror}")
        raise  # not reached: _fail exits


def _version() -> str:
    from . import __version__

    return __version__


@main.group()
def user() -> None:
    """Manage staff, manager and admin accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "staff"]))
@click.option("--agency", "agency_code", default=None, help="Agency code (staff, managers).")
@click.option("--password", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--full-name", default="")
def user_add(username: str, role: str, agency_code: str | None, password: str | None,
             password_stdin: bool, full_name: str) -> None:
    """Create a user."""
    from .services import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        _fail("give --password PASSWORD or --password-stdin")
    db = _db(Config())
    with db.write() as s:
        u = accounts.create_user(s, _now(), username, password or "", role, agency_code,
                                 full_name)
        click.echo(f"user {u.username} ({u.role}) created with id {u.id}")


@user.command("password")
@click.argument("username")
@click.option("--password", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--activate", is_flag=True, help="Also let a deactivated user sign in again.")
def user_password(username: str, password: str | None, password_stdin: bool,
                  activate: bool) -> None:
    """Set a user's password (e.g. an admin who forgot theirs); their tokens stop working."""
    from .clock import clock_from_environment
    from .services.admin import AdminService

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        _fail("give --password PASSWORD or --password-stdin")
    AdminService(_db(Config()), clock_from_environment()).set_password(
        "cli", username, password or "", activate=activate)
    click.echo(f"password of {username} changed" + (" and account active" if activate else ""))


@main.group()
def device() -> None:
    """Manage kiosks, display boards and printer agents."""


@device.command("add")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["kiosk", "display", "printer"]))
def device_add(name: str, kind: str) -> None:
    """Register a device and print its token once, alone on the last line."""
    from .services import accounts

    db = _db(Config())
    with db.write() as s:
        d, token = accounts.create_device(s, _now(), name, kind)
        click.echo(f"device {d.name} ({d.kind}) registered with id {d.id}; its token "
                   "(shown only now):")
        click.echo(token)


@main.group()
def site() -> None:
    """Load or export the site layout (TOML)."""


@site.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def site_load(file: Path) -> None:
    """Load or update the layout from FILE; the same file twice changes nothing."""
    from .services.site_layout import load_layout, parse_toml

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror}")
        return
    db = _db(Config())
    with db.write() as s:
        changes = load_layout(s, parse_toml(text), _now())
    click.echo(f"site loaded: {changes['created']} created, {changes['updated']} updated")


@site.command("export")
def site_export() -> None:
    """Print the current layout as TOML."""
    from .services.site_layout import export_layout

    db = _db(Config())
    with db.read() as s:
        click.echo(export_layout(s), nl=False)


@main.command("close-day")
@click.option("--date", "day", default=None, help="YYYY-MM-DD (default: today, site time).")
def close_day(day: str | None) -> None:
    """End a business day: tickets still waiting become expired."""
    from .clock import clock_from_environment
    from .events import MemoryPublisher
    from .services.queue import QueueService

    parsed: date | None = None
    if day is not None:
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            _fail(f"--date {day!r} is not a date like 2026-11-23")
    config = Config()
    db = _db(config)
    publisher = _cli_publisher(config) or MemoryPublisher()
    svc = QueueService(db, clock_from_environment(), publisher, config.PUBLIC_URL)
    n = svc.close_day(Actor(role="system", name="cli"), parsed)
    click.echo(f"{n} waiting ticket(s) expired")


def _cli_publisher(config: Config) -> Any:
    """With Redis configured, events from the CLI reach the boards through it."""
    if not config.REDIS_URL:
        return None
    from flask_socketio import SocketIO

    from .events import SocketIOPublisher

    return SocketIOPublisher(SocketIO(message_queue=config.REDIS_URL,
                                      channel=config.REDIS_CHANNEL))



@main.command("printer-agent", context_settings={"ignore_unknown_options": True,
                                                 "allow_extra_args": True,
                                                 "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def printer_agent(args: tuple[str, ...]) -> None:
    """Run a kiosk's print agent (the same as mpp-printer; --help lists its options)."""
    from printer.agent import main as agent_main

    agent_main.main(args=list(args), prog_name="mpp printer-agent")


def _add_ops_commands() -> None:
    """`mpp backup` and `mpp restore`, which live in mpp.ops.commands."""
    from .ops.commands import backup, restore

    main.add_command(backup)
    main.add_command(restore)


_add_ops_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
