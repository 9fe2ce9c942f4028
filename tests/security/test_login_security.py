"""Sign-in security: rate-limited logins, CSRF on session writes, sessions that expire."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import itsdangerous
import pytest
import redis

from mpp import config as mpp_config
from mpp import create_app
from mpp.services import accounts

from ..conftest import make_app
from ..support.api import ADMIN_PASSWORD, Api
from ..support.live import LiveServer
from ..support.sessions import csrf_token, sign_in


@pytest.fixture
def strict_app(db_url, clock):  # type: ignore[no-untyped-def]
    """The app with the production-like login limit lowered to 3 a minute."""
    app = make_app(db_url, clock, LOGIN_RATE_LIMIT="3 per minute")
    yield app
    app.extensions["mpp"].db.dispose()


def test_api_login_answers_429_with_a_clear_message_after_the_limit(strict_app):
    client = strict_app.test_client()
    for _ in range(3):
        r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert "Too many sign-in attempts" in error["message"]
    assert "Terlalu banyak percobaan masuk" in error["message"]


def test_login_form_answers_429_with_a_readable_page_after_the_limit(strict_app):
    client = strict_app.test_client()
    for _ in range(3):
        assert sign_in(client, "admin", "nope").status_code == 401
    r = sign_in(client, "admin", ADMIN_PASSWORD)
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert "Terlalu banyak percobaan masuk" in html and 'role="alert"' in html
    assert client.get("/admin").status_code == 302  # not signed in


def test_the_limit_counts_per_client_address(strict_app):
    client = strict_app.test_client()
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope"},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"})
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert r.status_code == 200


def test_session_lifetime_comes_from_mpp_session_hours(monkeypatch, db_url):
    monkeypatch.setenv("MPP_SESSION_HOURS", "3")
    app = create_app(mpp_config.TestConfig(db_url))
    assert app.permanent_session_lifetime == timedelta(hours=3)
    app.extensions["mpp"].db.dispose()


def test_idle_session_expires_after_its_lifetime(app, monkeypatch):
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert client.get("/admin").status_code == 200

    start = int(time.time())
    shift = {"by": lifetime - 60}
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: start + shift["by"])
    # Still inside the lifetime: the page opens (and the cookie is signed anew).
    assert client.get("/admin").status_code == 200
    # Replayed by hand, the server (not the browser's cookie expiry) must refuse it later.
    stolen = {"Cookie": f"session={client.get_cookie('session').value}"}
    fresh = app.test_client(use_cookies=False)
    assert fresh.get("/api/v1/auth/me", headers=stolen).status_code == 200
    # Idle for longer than the lifetime since that request: signed out.
    shift["by"] = 2 * lifetime + 1
    r = client.get("/admin")
    assert r.status_code == 302 and r.location.startswith("/login")
    assert client.get("/api/v1/auth/me").status_code == 401
    assert fresh.get("/api/v1/auth/me", headers=stolen).status_code == 401
    r = fresh.get("/admin", headers=stolen)
    assert r.status_code == 302 and r.location.startswith("/login")


def test_session_writes_to_the_api_need_the_csrf_header(app, api):
    client = app.test_client()
    sign_in(client, "dukcapil1")
    counter = api.counter_id("Loket 1")
    r = client.post(f"/api/v1/counters/{counter}/open")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed"
    r = client.post(f"/api/v1/counters/{counter}/open",
                    headers={"X-CSRFToken": csrf_token(client)})
    assert r.status_code == 200


def test_login_form_without_csrf_token_is_refused(app):
    client = app.test_client()
    r = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 400
    assert client.get("/admin").status_code == 302


def test_login_redirect_never_leaves_the_site(app):
    client = app.test_client()
    r = client.post("/login?next=https://evil.example/x", data={
        "username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf_token(client)})
    assert r.status_code == 302 and r.location == "/admin"


def test_wrong_password_and_unknown_user_get_the_same_answer(api):
    a = api.post("/auth/login", {"username": "admin", "password": "wrong-password"})
    b = api.post("/auth/login", {"username": "nobody", "password": "wrong-password"})
    assert (a.status, a.body) == (b.status, b.body) == (401, a.body)
    assert a.error == "bad_credentials"


def test_passwords_are_stored_hashed(app):
    from sqlalchemy import select

    from mpp.models import User
    with app.extensions["mpp"].db.read() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    # the suite hashes fast (support/databases.py); production's scrypt is checked below
    assert hashes and all(h.startswith(f"{accounts.HASH_METHOD}$") for h in hashes)
    assert not any("mpp" in h.split("$")[-1] for h in hashes)


def test_a_real_mpp_process_hashes_passwords_with_scrypt(db_url, clock, tmp_path):
    """The production method, as `mpp user add` stores it outside the test suite's patch."""
    from sqlalchemy import select

    from mpp.models import User

    env = {**os.environ, "MPP_DATABASE_URL": db_url, "MPP_DATA_DIR": str(tmp_path / "data"),
           "MPP_SECRET_KEY": "cli-secret"}
    done = subprocess.run([sys.executable, "-m", "mpp.cli", "user", "add", "wati",
                           "--role", "staff", "--agency", "DUKCAPIL", "--password-stdin"],
                          input="rahasia-wati-2026\n", env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    app = make_app(db_url, clock)
    with app.extensions["mpp"].db.read() as s:
        stored = s.scalars(select(User.password_hash).where(User.username == "wati")).one()
    assert stored.startswith("scrypt:") and "rahasia" not in stored
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "wati",
                                                "password": "rahasia-wati-2026"})
    assert r.status_code == 200
    r = client.post("/api/v1/auth/login", json={"username": "wati", "password": "rahasia"})
    assert r.status_code == 401
    app.extensions["mpp"].db.dispose()


def test_session_cookie_is_httponly_lax_and_secure_over_https(db_url, clock):
    app = make_app(db_url, clock, PUBLIC_URL="https://mpp.kendarikota.go.id")
    client = app.test_client()
    r = sign_in(client, "admin")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    app.extensions["mpp"].db.dispose()
    plain = make_app(db_url, clock)
    assert plain.config["SESSION_COOKIE_SECURE"] is False
    plain.extensions["mpp"].db.dispose()


def test_a_request_that_changes_nothing_in_the_session_writes_no_cookie(client):
    """Only a change writes the session cookie: the icon, a style sheet or an API read sent
    with an older cookie beside a form's POST must not write that session back over the one
    the POST left (the POST's flash message was lost so in CI)."""
    r = sign_in(client, "admin")
    assert any(h.startswith("session=") for h in r.headers.getlist("Set-Cookie"))
    for path in ("/static/favicon.svg", "/favicon.ico", "/api/v1/services", "/admin",
                 "/no-such-page"):
        r = client.get(path)
        assert r.status_code in (200, 301, 404), path
        assert not [h for h in r.headers.getlist("Set-Cookie") if h.startswith("session=")], path
    r = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert any(h.startswith("session=") for h in r.headers.getlist("Set-Cookie"))


def test_behind_a_trusted_proxy_the_limit_counts_each_client(db_url, clock):
    app = make_app(db_url, clock, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()

    def attempt(client_ip: str) -> int:
        return client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"},
                           headers={"X-Forwarded-For": client_ip},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

    assert [attempt("10.1.1.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("10.1.1.2") == 401  # another citizen's phone is not locked out
    app.extensions["mpp"].db.dispose()


def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(strict_app):
    client = strict_app.test_client()
    codes = [client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"},
                         headers={"X-Forwarded-For": f"10.2.0.{i}"}).status_code
             for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_two_server_processes_share_the_login_count_through_redis(db_url, redis_url,
                                                                 tmp_path):
    """Each process alone would allow 3 attempts a minute; through Redis they allow 3 in
    all. The attempts alternate between the two processes."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # a fresh count
    env = {"MPP_LOGIN_RATE_LIMIT": "3 per minute", "MPP_RATELIMIT_STORAGE_URL": redis_url,
           "MPP_TRUSTED_PROXIES": "1"}
    first = LiveServer(db_url, tmp_path / "a", extra_env=env).start()
    try:
        second = LiveServer(db_url, tmp_path / "b", extra_env=env,
                            clock_offset=first.clock_offset).start()
        try:
            assert first.proc.pid != second.proc.pid  # two processes, each with its memory
            codes = [Api(server.url).post("/auth/login", {"username": "admin", "password": "x"},
                                          headers={"X-Forwarded-For": address}).status
                     for server in (first, second, first, second)]
        finally:
            second.stop()
    finally:
        first.stop()
    assert codes == [401, 401, 401, 429]
    # the count lives in Redis, where every process reads it
    keys = list(redis.Redis.from_url(redis_url).scan_iter(f"*LIMITER/{address}/*"))
    assert len(keys) == 1
