"""Every answer carries the security headers: a Content-Security-Policy without inline
script and with frame-ancestors 'none', nosniff, and a Referrer-Policy that keeps tokens in
addresses out of Referer headers. No page has inline script for the policy to break."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mpp.models import Counter, Device

from ..support.sessions import post_form, sign_in

PUBLIC = ["/", "/login", "/kiosk", "/display", "/pengaduan", "/healthz", "/api/v1/services",
          "/api/v1/queue", "/api/v1/nothing", "/static/mpp.css"]


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";")) if d}


def _check_headers(response, path: str) -> None:  # type: ignore[no-untyped-def]
    csp = _csp(response)
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'", path
    assert csp.get("script-src") == "script-src 'self'", path
    assert csp.get("object-src") == "object-src 'none'", path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), path


@pytest.mark.parametrize("path", PUBLIC)
def test_public_answers_carry_the_security_headers(client, path):
    _check_headers(client.get(path), path)


def test_pages_with_tokens_in_their_address_send_no_referrer(client, api, make):
    desk = make.desk()
    ticket = api.issue(desk.code)
    rate = f"/rate?counter={desk.counter_id}"
    for path in (f"/t/{ticket['token']}", "/kiosk", "/display", rate):
        assert client.get(path).headers["Referrer-Policy"] == "no-referrer", path
    assert client.get("/login").headers["Referrer-Policy"] == "same-origin"


def _inline_script(html: str) -> list[str]:
    scripts = [m for m in re.findall(r"<script\b([^>]*)>", html)
               if "src=" not in m and "application/json" not in m]
    handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", html)
    return scripts + handlers


def test_no_page_has_inline_script(app, api, make):
    admin = app.test_client()
    sign_in(admin, "admin")
    manager = app.test_client()
    sign_in(manager, "manajer")
    staff = app.test_client()
    sign_in(staff, make.staff())
    ticket = api.issue(make.service())
    with app.extensions["mpp"].db.read() as s:
        device = s.scalars(select(Device.id).where(Device.name == "kiosk-1")).one()
        counter = s.scalars(select(Counter.id)).first()
    pages = {
        admin: ["/admin", "/admin/agencies", "/admin/agencies/1", "/admin/services",
                "/admin/services/new", "/admin/services/1", "/admin/counters",
                "/admin/counters/new", f"/admin/counters/{counter}", "/admin/users",
                "/admin/users/new", "/admin/users/2", "/admin/devices",
                "/admin/devices/new", f"/admin/devices/{device}", "/admin/holidays",
                "/admin/settings", "/admin/layout", "/admin/audit", "/account/password"],
        manager: ["/dashboard", "/dashboard/complaints", "/reports/evidence"],
        staff: ["/console"],
        app.test_client(): ["/", "/login", "/kiosk", "/display", "/pengaduan",
                            f"/t/{ticket['token']}", f"/rate?counter={counter}"],
    }
    found = {}
    for client, paths in pages.items():
        for path in paths:
            r = client.get(path)
            assert r.status_code == 200, path
            _check_headers(r, path)
            if _inline_script(r.get_data(as_text=True)):
                found[path] = _inline_script(r.get_data(as_text=True))
    # the page that shows a new device's token, once
    r = post_form(admin, "/admin/devices/new", {"name": "kiosk-csp", "kind": "kiosk"})
    if _inline_script(r.get_data(as_text=True)):
        found["device token page"] = _inline_script(r.get_data(as_text=True))
    assert found == {}
