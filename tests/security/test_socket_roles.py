"""Who may join the live Socket.IO namespaces: /hall needs a valid device or user token (or a
signed-in session), /print a printer's token, /ticket a ticket's token. Revoked and unknown
tokens are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mpp.extensions import socketio
from mpp.models import Device

from ..support.sessions import sign_in

#: the demo's devices and site-wide accounts, and an agency's manager and clerk the test makes
HALL_TOKENS = ("kiosk-1", "display-1", "printer-1", "admin", "manajer", "agency-manager",
               "clerk")


def _token(api, who: str, make=None) -> str:  # type: ignore[no-untyped-def]
    if who.endswith("-1"):
        return api.device_token(who)
    if who == "agency-manager":
        return api.login(make.staff(role="manager"))
    if who == "clerk":
        return api.login(make.staff())
    return api.login(who)


def _connects(app, namespace: str, auth=None, flask_client=None) -> bool:  # type: ignore[no-untyped-def]
    client = socketio.test_client(app, namespace=namespace, auth=auth,
                                  flask_test_client=flask_client)
    connected = client.is_connected(namespace)
    if connected:
        client.disconnect(namespace)
    return connected


@pytest.mark.parametrize("who", HALL_TOKENS)
def test_hall_accepts_every_valid_token(app, api, make, who):
    assert _connects(app, "/hall", {"token": _token(api, who, make)})


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "not-a-token"},
                                  {"token": 42}])
def test_hall_refuses_without_a_valid_token(app, auth):
    assert not _connects(app, "/hall", auth)


def test_hall_accepts_a_signed_in_browser_session(app, make):
    client = app.test_client()
    sign_in(client, make.staff())
    assert _connects(app, "/hall", flask_client=client)


def test_revoked_device_cannot_join_the_hall(app, api):
    token = api.device_token("display-1")
    with app.extensions["mpp"].db.write() as s:
        device = s.scalars(select(Device).where(Device.name == "display-1")).one()
        device.revoked_at = app.extensions["mpp"].clock.now()
    assert not _connects(app, "/hall", {"token": token})


@pytest.mark.parametrize(("who", "allowed"), [
    ("printer-1", True), ("kiosk-1", False), ("display-1", False), ("admin", False),
    ("clerk", False)])
def test_only_printers_join_the_print_namespace(app, api, make, who, allowed):
    assert _connects(app, "/print", {"token": _token(api, who, make)}) is allowed


def test_ticket_namespace_needs_the_tickets_own_token(app, api, make):
    ticket = api.issue(make.service())
    assert _connects(app, "/ticket", {"ticket_token": ticket["token"]})
    assert not _connects(app, "/ticket", {"ticket_token": "guess"})
    assert not _connects(app, "/ticket", {"token": api.device_token("kiosk-1")})


@pytest.mark.parametrize(("device", "namespace", "action"), [
    ("display-1", "/hall", "revoke"), ("printer-1", "/print", "revoke"),
    ("kiosk-1", "/hall", "rotate"), ("printer-1", "/print", "rotate")])
def test_revoking_or_rotating_a_token_cuts_the_open_connection(app, api, device, namespace,
                                                               action):
    from ..support.sessions import post_form

    token = api.device_token(device)
    live = socketio.test_client(app, namespace=namespace, auth={"token": token})
    bystander = socketio.test_client(app, namespace="/hall",
                                     auth={"token": api.device_token("display-1"
                                                                     if device != "display-1"
                                                                     else "kiosk-1")})
    assert live.is_connected(namespace) and bystander.is_connected("/hall")
    admin = app.test_client()
    sign_in(admin, "admin")
    with app.extensions["mpp"].db.read() as s:
        device_id = s.scalars(select(Device.id).where(Device.name == device)).one()
    r = post_form(admin, f"/admin/devices/{device_id}/{action}")
    assert r.status_code in (200, 302)
    assert not live.is_connected(namespace)
    assert bystander.is_connected("/hall")
    assert not _connects(app, namespace, {"token": token})
    bystander.disconnect("/hall")
