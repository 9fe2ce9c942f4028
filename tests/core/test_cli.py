"""The `mpp` command: each subcommand works, and bad input gives one line on standard error
and exit status 2 (the README's promise)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mpp.cli import main
from mpp.db import Database
from mpp.models import AuditLog, Device, Service, Ticket
from mpp.services import accounts
from mpp.services.demo import demo_site_text

from ..conftest import make_app
from ..support.api import STAFF_PASSWORD


def test_user_add_then_login_works(mpp, make, db_url):
    make.service()  # the agency UJI, with a service
    r = mpp("user", "add", "budi", "--role", "staff", "--agency", "UJI", "--password",
            "rahasia-123")
    assert r.exit_code == 0, r.output
    db = Database(db_url)
    with db.read() as s:
        user = accounts.check_password(s, "budi", "rahasia-123")
        assert (user.role, user.agency.code) == ("staff", "UJI")
    db.dispose()


def _signs_in(db_url, clock, username: str, password: str) -> int:
    """The status of an API sign-in with these credentials."""
    app = make_app(db_url, clock)
    try:
        return app.test_client().post("/api/v1/auth/login", json={
            "username": username, "password": password}).status_code
    finally:
        app.extensions["mpp"].db.dispose()


def test_user_add_reads_the_password_from_stdin_and_it_signs_in(mpp, db_url, clock):
    r = mpp("user", "add", "sari", "--role", "manager", "--password-stdin",
            stdin="kata-sandi-99\n")
    assert r.exit_code == 0, r.output
    assert _signs_in(db_url, clock, "sari", "kata-sandi-99") == 200
    assert _signs_in(db_url, clock, "sari", "kata-sandi-99\n") == 401  # the newline is not kept


def test_user_password_reads_the_new_password_from_stdin(mpp, make, db_url, clock):
    clerk = make.staff()
    assert _signs_in(db_url, clock, clerk, STAFF_PASSWORD) == 200
    r = mpp("user", "password", clerk, "--password-stdin", stdin="ganti-sandi-2026\n")
    assert r.exit_code == 0, r.output
    assert _signs_in(db_url, clock, clerk, "ganti-sandi-2026") == 200
    assert _signs_in(db_url, clock, clerk, STAFF_PASSWORD) == 401


def one_error_line(r) -> str:  # type: ignore[no-untyped-def]
    """The refusal of a command: exit status 2, nothing on standard output and one line on
    standard error (returned)."""
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert r.stdout == "", r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "message"), [
    (["user", "add", "x", "--role", "staff", "--password", "short"], "at least 8"),
    (["user", "add", "x", "--role", "staff", "--agency", "NOPE", "--password", "long-enough"],
     "No agency"),
    (["user", "add", "admin", "--role", "admin", "--password", "long-enough"], "already exists"),
    (["user", "add", "x", "--role", "staff"], "--password"),
    (["device", "add", "kiosk-1", "--kind", "kiosk"], "already exists"),
    (["close-day", "--date", "23/11/2026"], "not a date"),
    (["site", "load", "/does/not/exist.toml"], "cannot read"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(mpp, args, message):
    assert message in one_error_line(mpp(*args))


def test_bad_choice_is_refused_by_click_with_its_usage_lines(mpp):
    r = mpp("user", "add", "x", "--role", "boss", "--password", "long-enough")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--role': 'boss' is not one of 'admin', 'manager', 'staff'.")


def test_device_add_prints_the_token_alone_on_the_last_line_and_it_works(mpp, db_url):
    r = mpp("device", "add", "kiosk-lobby", "--kind", "kiosk")
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[-1]
    assert " " not in token and len(token) >= 40
    db = Database(db_url)
    with db.read() as s:
        actor = accounts.actor_for_token(s, datetime.now(UTC), token)
        assert actor is not None and actor.role == "kiosk"
        stored = s.scalars(select(Device.token_hash).where(Device.name == "kiosk-lobby")).one()
        assert token not in stored  # only the digest is kept
    db.dispose()


def test_site_load_twice_changes_nothing_and_export_round_trips(mpp, db_url, tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(demo_site_text())
    r = mpp("site", "load", str(path))
    assert r.exit_code == 0 and "0 created, 0 updated" in r.output, r.output
    exported = mpp("site", "export").output
    path.write_text(exported)
    r = mpp("site", "load", str(path))
    assert "0 created, 0 updated" in r.output, r.output


def test_site_load_updates_what_it_names_and_deletes_nothing(mpp, make, db_url, tmp_path):
    code = make.service(prefix="P", sla_minutes=15, fee=5000)
    make.service()  # its agency's other service, not named in the file
    sid = make.service_id(code)
    make.ticket(code)
    db = Database(db_url)
    with db.read() as s:
        services = s.scalar(select(func.count(Service.id)))
    path = tmp_path / "site.toml"
    path.write_text(f"""
[site]
code = "kendari"
name = "MPP Kota Kendari"
timezone = "Asia/Makassar"

[[agencies]]
code = "UJI"
name = "Instansi Uji Berganti Nama"

[[agencies.services]]
code = "{code}"
name = "Layanan Berganti Nama"
prefix = "P"
sla_minutes = 20
""")
    r = mpp("site", "load", str(path))
    assert r.exit_code == 0, r.output
    with db.read() as s:
        svc = s.get(Service, sid)
        # what the file names changes; the fee it does not name stays
        assert (svc.name, svc.sla_minutes, svc.fee) == ("Layanan Berganti Nama", 20, 5000)
        assert svc.agency.name == "Instansi Uji Berganti Nama"
        assert s.scalar(select(func.count(Service.id))) == services   # nothing deleted
        assert s.scalar(select(func.count(Ticket.id))) == 1
        assert s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "update")) >= 2
    db.dispose()


@pytest.mark.parametrize(("text", "message"), [
    ("[site\nname=1", "not valid TOML"),
    ('[site]\nname = "x"', "'code' is required"),
    ('[site]\ncode = "k"\nname = "x"\ntimezone = "Mars/Olympus"', "unknown time zone"),
    ('[site]\ncode = "kendari"\nname = "x"\n[[agencies]]\ncode = "Z"\nname = "Z"\n'
     '[[agencies.services]]\ncode = "Q"\nname = "Q"\nprefix = "P"', "prefix 'P' is already used"),
    ('[site]\ncode = "kendari"\nname = "x"\n[[agencies]]\ncode = "Z"\nname = "Z"\n'
     '[[agencies.services]]\ncode = "Q"\nname = "Q"\nprefix = "QQ"\nhours = "9-5"',
     "must look like"),
    ('[site]\ncode = "kendari"\nname = "x"\n[[agencies]]\ncode = "Z"\nname = "Z"\n'
     '[[agencies.counters]]\nname = "L"\nservices = ["NOPE"]', "unknown service code"),
])
def test_bad_site_files_are_refused_with_the_place_named(mpp, make, tmp_path, text, message):
    make.service(prefix="P")  # the prefix one of them takes again
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert message in one_error_line(mpp("site", "load", str(path)))


def test_close_day_expires_waiting_tickets(mpp, make, db_url):
    db = Database(db_url)
    t = make.ticket(make.service())
    r = mpp("close-day", "--date", t["business_date"])
    assert r.exit_code == 0 and "1 waiting ticket(s) expired" in r.output
    with db.read() as s:
        assert s.get(Ticket, t["id"]).status == "expired"
    db.dispose()


@pytest.mark.parametrize("url", ["nonsense://", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
def test_an_unusable_database_url_is_one_line(monkeypatch, url):
    monkeypatch.setenv("MPP_DATABASE_URL", url)
    one_error_line(CliRunner().invoke(main, ["migrate"]))


def test_run_on_a_port_another_process_holds_is_one_line(mpp):
    with socket.create_server(("127.0.0.1", 0)) as taken:  # bound and listening: ours
        port = taken.getsockname()[1]
        line = one_error_line(mpp("run", "--host", "127.0.0.1", "--port", str(port)))
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}: "), line
