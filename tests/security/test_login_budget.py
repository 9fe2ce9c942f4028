"""Sign-in gives nothing away: an unknown username costs the same password-hash check as a
known one (no enumeration by timing), and the login page and the API login share one
budget of attempts per address."""

from __future__ import annotations

import pytest

from mpp.services import accounts

from ..conftest import make_app
from ..support.api import STAFF_PASSWORD
from ..support.sessions import csrf_token


@pytest.mark.parametrize("username", ["admin", "nobody-here", "clerk"])
def test_every_wrong_login_checks_one_password_hash(app, api, make, monkeypatch, username):
    from mpp.models import User

    username = make.staff() if username == "clerk" else username  # a clerk of the test's own
    with app.extensions["mpp"].db.read() as s:
        method = s.query(User).filter(User.username == "admin").one().password_hash.split("$")[0]
    checks: list[str] = []
    real = accounts.check_password_hash

    def counted(hashed: str, password: str) -> bool:
        checks.append(hashed.split("$")[0])
        return real(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    r = api.post("/auth/login", {"username": username, "password": "salah-sekali"})
    assert (r.status, r.error) == (401, "bad_credentials")
    assert len(checks) == 1
    # the decoy uses the same method and parameters (so the same cost) as real passwords
    assert checks == [method]


def test_an_inactive_user_costs_a_hash_check_too(app, api, make, monkeypatch):
    from mpp.models import User

    clerk = make.staff()
    with app.extensions["mpp"].db.write() as s:
        s.query(User).filter(User.username == clerk).one().active = False
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda h, p: calls.append(1) or real(h, p))
    r = api.post("/auth/login", {"username": clerk, "password": STAFF_PASSWORD})
    assert r.status == 401 and calls == [1]


def test_the_login_page_and_the_api_share_one_budget(db_url, clock):
    app = make_app(db_url, clock, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_token(client)
    for _ in range(2):
        r = client.post("/login", data={"username": "admin", "password": "x",
                                        "csrf_token": token})
        assert r.status_code == 401
    assert client.post("/api/v1/auth/login",
                       json={"username": "admin", "password": "x"}).status_code == 401
    # the fourth attempt, whichever door it uses, is over the budget of three
    assert client.post("/api/v1/auth/login",
                       json={"username": "admin", "password": "x"}).status_code == 429
    r = client.post("/login", data={"username": "admin", "password": "x", "csrf_token": token})
    assert r.status_code == 429
    app.extensions["mpp"].db.dispose()
