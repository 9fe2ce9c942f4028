"""Revocation that revokes: logging out ends the session on the server (a copy of the cookie
stops working), and a deactivated user, a user given a new password or a signed-out
session loses its live /hall sockets, on this process at once and on others at their next
check (mpp.device_sockets). The users are clerks of the test's own (support/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.device_sockets import device_sockets
from mpp.extensions import socketio
from mpp.models import User

from ..support.sessions import csrf_token, post_form, sign_in


@pytest.fixture
def clerk(make) -> str:  # type: ignore[no-untyped-def]
    """A clerk of an agency of the test's own."""
    return make.staff()


@pytest.fixture
def colleague(make, clerk) -> str:  # type: ignore[no-untyped-def]
    """Another clerk of the same agency."""
    return make.staff()


def _user_id(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(User.id).where(User.username == username)).one()


def _stolen(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Cookie": f"session={client.get_cookie('session').value}"}


def test_a_session_cookie_copied_before_logout_stops_working(app, clerk):
    client = app.test_client()
    assert sign_in(client, clerk).status_code == 302
    stolen = _stolen(client)
    thief = app.test_client(use_cookies=False)
    assert thief.get("/api/v1/auth/me", headers=stolen).status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert thief.get("/api/v1/auth/me", headers=stolen).status_code == 401
    assert thief.get("/console", headers=stolen).status_code == 302  # to the sign-in page


def test_logging_out_ends_only_that_session(app, clerk):
    first, second = app.test_client(), app.test_client()
    sign_in(first, clerk)
    sign_in(second, clerk)
    first.post("/logout", data={"csrf_token": csrf_token(first)})
    assert first.get("/api/v1/auth/me").status_code == 401
    assert second.get("/api/v1/auth/me").status_code == 200


def test_deactivating_a_user_ends_their_sessions_and_cuts_their_sockets(app, api, clerk, colleague):
    page = app.test_client()
    sign_in(page, clerk)
    stolen = _stolen(page)
    by_session = socketio.test_client(app, namespace="/hall", flask_test_client=page)
    by_token = socketio.test_client(app, namespace="/hall",
                                    auth={"token": api.login(clerk)})
    bystander = socketio.test_client(app, namespace="/hall",
                                     auth={"token": api.login(colleague)})
    assert all(c.is_connected("/hall") for c in (by_session, by_token, bystander))
    admin = app.test_client()
    sign_in(admin, "admin")
    uid = _user_id(app, clerk)
    with app.extensions["mpp"].db.read() as s:
        agency_id = s.get(User, uid).agency_id
    r = post_form(admin, f"/admin/users/{uid}", {"role": "staff", "agency_id": str(agency_id),
                                                  "full_name": "x"})  # "active" unchecked
    assert r.status_code == 302
    assert not by_session.is_connected("/hall") and not by_token.is_connected("/hall")
    assert bystander.is_connected("/hall")
    assert app.test_client(use_cookies=False).get(
        "/api/v1/auth/me", headers=stolen).status_code == 401
    bystander.disconnect("/hall")


def test_a_new_password_cuts_the_users_sockets(app, api, clerk):
    live = socketio.test_client(app, namespace="/hall", auth={"token": api.login(clerk)})
    admin = app.test_client()
    sign_in(admin, "admin")
    uid = _user_id(app, clerk)
    post_form(admin, f"/admin/users/{uid}/password",
              {"password": "baru-sekali-123", "password2": "baru-sekali-123"})
    assert not live.is_connected("/hall")


def test_logging_out_cuts_that_sessions_socket(app, clerk):
    page = app.test_client()
    sign_in(page, clerk)
    live = socketio.test_client(app, namespace="/hall", flask_test_client=page)
    assert live.is_connected("/hall")
    page.post("/logout", data={"csrf_token": csrf_token(page)})
    assert not live.is_connected("/hall")


def test_an_api_logout_cuts_that_tokens_socket_only(app, api, clerk):
    token = api.login(clerk)
    live = socketio.test_client(app, namespace="/hall", auth={"token": token})
    page = app.test_client()
    sign_in(page, clerk)
    other = socketio.test_client(app, namespace="/hall", flask_test_client=page)
    assert api.post("/auth/logout", token=token).status == 200
    assert not live.is_connected("/hall")
    assert other.is_connected("/hall")
    other.disconnect("/hall")


def test_the_periodic_check_cuts_a_user_deactivated_through_another_process(app, api, clerk):
    """A change made elsewhere (another server process, the CLI) reaches this process's
    sockets at its next check, without anything told to it directly."""
    live = socketio.test_client(app, namespace="/hall", auth={"token": api.login(clerk)})
    with app.extensions["mpp"].db.write() as s:
        s.get(User, _user_id(app, clerk)).active = False
    assert live.is_connected("/hall")
    with app.app_context():
        assert device_sockets(app).check() == 1
    assert not live.is_connected("/hall")
