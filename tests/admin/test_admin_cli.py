"""`mpp user password`: the operator recovers a locked-out account from the server's shell."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mpp.cli import main
from mpp.db import Database
from mpp.models import AuditLog, User


@pytest.fixture
def mpp(db_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MPP_DATABASE_URL", db_url)
    monkeypatch.setenv("MPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPP_SECRET_KEY", "cli-secret")
    monkeypatch.delenv("MPP_REDIS_URL", raising=False)
    runner = CliRunner()
    return lambda *args, stdin=None: runner.invoke(main, list(args), input=stdin,
                                                   catch_exceptions=False)


def test_operator_resets_a_deactivated_admins_password(mpp, db_url, app, api):
    token = api.login("admin")
    db = Database(db_url)
    with db.write() as s:
        s.scalars(select(User).where(User.username == "admin")).one().active = False
    r = mpp("user", "password", "admin", "--password-stdin", "--activate",
            stdin="sandi-admin-baru\n")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "password of admin changed and account active"
    assert api.get("/auth/me", token=token).status == 401
    assert api.post("/auth/login", {"username": "admin", "password": "admin-mpp"}).status == 401
    assert api.post("/auth/login", {"username": "admin",
                                    "password": "sandi-admin-baru"}).status == 200
    with db.read() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "password")).one()
        assert (row.actor, row.detail) == ("cli", {"username": "admin"})
    db.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (("user", "password", "nobody", "--password", "panjang-sekali"), "No user is called"),
    (("user", "password", "admin", "--password", "short"), "at least 8 characters"),
    (("user", "password", "admin"), "give --password"),
])
def test_bad_password_commands_fail_with_one_line(mpp, args, message):
    r = mpp(*args)
    assert r.exit_code != 0
    assert message in r.output
