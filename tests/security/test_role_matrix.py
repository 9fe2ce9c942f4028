"""The role matrix: every page and endpoint, for every kind of caller, allows or refuses as
declared here.

The routes come from ``app.url_map``, so a new endpoint without a line in ``EXPECTED`` fails
``test_every_route_declares_who_may_use_it``: whoever adds one must say who may use it. Where
a view carries ``@requires`` roles (or the admin pages' roles), the declaration must match them.

A caller is *refused* when the answer is 401, a 403 for its role or agency (JSON error codes
in ``REFUSALS``; any 403 for a page), or a redirect to the sign-in page with ``next=``. Any
other answer below 500 (200, 201, 302 elsewhere, 404 for an unknown file, 409 or 422 for an
empty body, a business 403 such as ``not_at_counter``) means the caller got past the door.
Users call pages with a browser session and /api/ paths with a bearer token or, in a second
run, with the session and its CSRF header; devices always send their bearer token. Ids in
paths belong to an agency of the test's own (``Factories``: a service, its counter, a clerk
and an agency manager), so "agency_manager" and "staff" are expected in; the site-wide admin
and manager and the devices are the demo's. The refusals for other agencies are in
test_agency_scope.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mpp.models import Complaint, Counter, Device, Holiday, Service, Site, User
from mpp.services import accounts

from ..support.api import PASSWORDS, STAFF_PASSWORD
from ..support.databases import START, TEST_SECRET
from ..support.factories import Desk, Factories
from ..support.sessions import csrf_token, sign_in

ROLES = ("anonymous", "admin", "manager", "agency_manager", "staff", "kiosk", "display",
         "printer")
#: the signed-in roles; the agency manager and the clerk are made per test (``Hall``)
USERS = ("admin", "manager", "agency_manager", "staff")
SITE_WIDE = {"admin": "admin", "manager": "manajer"}
DEVICES = {"kiosk": "kiosk-1", "display": "display-1", "printer": "printer-1"}
#: JSON error codes that mean "not for your role or agency"
REFUSALS = {"auth_required", "invalid_token", "forbidden_role", "forbidden", "staff_only",
            "admin_only", "other_agency", "unauthorized"}

ANYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
STAFF = frozenset({"staff"})
MANAGERS = frozenset({"manager", "agency_manager"})
USERS_ALL = frozenset(USERS)
REPORTS = MANAGERS | ADMIN

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # the shell: health, sign-in, static files, landing page
    ("/healthz", "GET"): ANYONE,
    ("/readyz", "GET"): ANYONE,
    # for the operator: loopback clients (the test client is one) or MPP_METRICS_TOKEN;
    # test_metrics.py checks the refusals
    ("/metrics", "GET"): ANYONE,
    ("/", "GET"): ANYONE,
    ("/layanan", "GET"): ANYONE,
    ("/favicon.ico", "GET"): ANYONE,
    ("/static/<path:filename>", "GET"): ANYONE,
    ("/login", "GET"): ANYONE,
    ("/login", "POST"): ANYONE,
    # the browser apps' texts, one catalogue per language (mpp/i18n)
    ("/i18n/<lang>.json", "GET"): ANYONE,
    ("/logout", "POST"): USERS_ALL,
    ("/api/v1/session", "GET"): ANYONE,
    # the contract's API
    ("/api/v1/openapi.json", "GET"): ANYONE,
    ("/api/v1/auth/login", "POST"): ANYONE,
    ("/api/v1/auth/logout", "POST"): USERS_ALL,
    ("/api/v1/auth/me", "GET"): ANYONE - {"anonymous"},
    ("/api/v1/services", "GET"): ANYONE,
    ("/api/v1/counters", "GET"): ANYONE,
    ("/api/v1/queue", "GET"): ANYONE,
    ("/api/v1/tickets", "POST"): frozenset({"kiosk", "staff", "admin"}),
    ("/api/v1/tickets/by-token/<token>", "GET"): ANYONE,
    ("/api/v1/tickets/<int:ticket_id>", "GET"): USERS_ALL,
    ("/api/v1/counters/<int:counter_id>/open", "POST"): STAFF,
    ("/api/v1/counters/<int:counter_id>/close", "POST"): STAFF,
    ("/api/v1/counters/<int:counter_id>/call-next", "POST"): STAFF,
    ("/api/v1/counters/<int:counter_id>/queue", "GET"): USERS_ALL,
    ("/api/v1/tickets/<int:ticket_id>/<any(recall, start, finish, 'no-show'):action>",
     "POST"): STAFF,
    ("/api/v1/tickets/<int:ticket_id>/transfer", "POST"): STAFF,
    ("/api/v1/tickets/<int:ticket_id>/cancel", "POST"): frozenset({"staff", "admin"}),
    # reports, surveys and complaints
    ("/api/v1/reports/daily", "GET"): REPORTS,
    ("/api/v1/reports/range", "GET"): REPORTS,
    ("/api/v1/reports/ikm", "GET"): REPORTS,
    ("/api/v1/reports/live", "GET"): REPORTS,
    ("/api/v1/reports/evidence", "GET"): REPORTS,
    ("/api/v1/surveys/by-token/<token>", "GET"): ANYONE,
    ("/api/v1/surveys", "POST"): ANYONE,
    # bookings: anyone books (rate-limited per address); the token is the holder's key
    ("/api/v1/services/<int:service_id>/slots", "GET"): ANYONE,
    ("/api/v1/bookings", "POST"): ANYONE,
    ("/api/v1/bookings/<token>", "GET"): ANYONE,
    ("/api/v1/bookings/<token>/cancel", "POST"): ANYONE,
    ("/api/v1/bookings/<token>/move", "POST"): ANYONE,
    ("/api/v1/bookings/check-in", "POST"): frozenset({"kiosk", "staff"}),
    ("/api/v1/services/<int:service_id>/bookings", "GET"): ANYONE - {
        "anonymous", "kiosk", "display", "printer"},
    ("/api/v1/notifications", "GET"): ADMIN,
    # the citizen's booking pages (the token is the holder's key)
    ("/booking", "GET"): ANYONE,
    ("/booking/<int:service_id>", "GET"): ANYONE,
    ("/booking/<int:service_id>", "POST"): ANYONE,
    ("/booking/static/<path:filename>", "GET"): ANYONE,
    ("/public/static/<path:filename>", "GET"): ANYONE,
    ("/b/<token>", "GET"): ANYONE,
    ("/b/<token>/cancel", "POST"): ANYONE,
    ("/b/<token>/move", "POST"): ANYONE,
    ("/b/<token>/qr.svg", "GET"): ANYONE,
    # remote join: anyone takes today's number from a phone (rate-limited per address)
    ("/api/v1/tickets/remote", "POST"): ANYONE,
    ("/booking/<int:service_id>/remote", "GET"): ANYONE,
    ("/booking/<int:service_id>/remote", "POST"): ANYONE,
    ("/t/<token>/check-in.svg", "GET"): ANYONE,
    ("/api/v1/complaints", "POST"): ANYONE,
    ("/api/v1/complaints", "GET"): REPORTS,
    ("/api/v1/complaints/<int:complaint_id>", "PATCH"): REPORTS,
    # the manager dashboard and the public complaint form
    ("/dashboard", "GET"): REPORTS,
    ("/dashboard/complaints", "GET"): REPORTS,
    ("/dashboard/static/<path:filename>", "GET"): ANYONE,
    ("/reports/evidence", "GET"): REPORTS,
    ("/pengaduan", "GET"): ANYONE,
    ("/rate", "GET"): ANYONE,  # the counter's rating tablet (its link needs a display token)
    # printing
    ("/api/v1/tickets/<int:ticket_id>/reprint", "POST"): frozenset({"staff", "admin"}),
    ("/api/v1/tickets/<int:ticket_id>/print-jobs", "GET"): USERS_ALL,
    ("/api/v1/tickets/<int:ticket_id>/preview.png", "GET"): USERS_ALL,
    ("/api/v1/print/sample.png", "GET"): REPORTS,
    ("/api/v1/tickets/by-token/<token>/qr.svg", "GET"): ANYONE,
    ("/api/v1/tickets/by-token/<token>/print", "GET"): ANYONE,
    ("/api/v1/devices/printers", "GET"): ANYONE - {"anonymous", "printer"},
    # the display board (its page is public; it connects with the token in its URL)
    ("/display", "GET"): ANYONE,
    ("/display/static/<path:filename>", "GET"): ANYONE,
    ("/display/announcement", "GET"): frozenset({"display"}),  # only real calls (issue 9)
    ("/display/audio/chime.wav", "GET"): ANYONE,
    ("/display/audio/phrases/<key>.wav", "GET"): ANYONE,
    # the kiosk (its page is public; it calls the API with the token from its URL)
    ("/kiosk", "GET"): ANYONE,
    ("/kiosk/static/<path:filename>", "GET"): ANYONE,
    # the counter console and the citizen's status page
    ("/console", "GET"): STAFF,
    ("/t/<token>", "GET"): ANYONE,
    # the admin area
    ("/admin/static/<path:filename>", "GET"): ANYONE,
    ("/admin", "GET"): ADMIN,
    ("/admin/agencies", "GET"): ADMIN,
    ("/admin/agencies/new", "GET"): ADMIN,
    ("/admin/agencies/new", "POST"): ADMIN,
    ("/admin/agencies/<int:agency_id>", "GET"): ADMIN,
    ("/admin/agencies/<int:agency_id>", "POST"): ADMIN,
    ("/admin/services", "GET"): ADMIN,
    ("/admin/services/new", "GET"): ADMIN,
    ("/admin/services/new", "POST"): ADMIN,
    ("/admin/services/<int:service_id>", "GET"): ADMIN,
    ("/admin/services/<int:service_id>", "POST"): ADMIN,
    ("/admin/counters", "GET"): ADMIN,
    ("/admin/counters/new", "GET"): ADMIN,
    ("/admin/counters/new", "POST"): ADMIN,
    ("/admin/counters/<int:counter_id>", "GET"): ADMIN,
    ("/admin/counters/<int:counter_id>", "POST"): ADMIN,
    ("/admin/counters/<int:counter_id>/release", "POST"): ADMIN,
    ("/admin/users", "GET"): ADMIN,
    ("/admin/users/new", "GET"): ADMIN,
    ("/admin/users/new", "POST"): ADMIN,
    ("/admin/users/<int:user_id>", "GET"): ADMIN,
    ("/admin/users/<int:user_id>", "POST"): ADMIN,
    ("/admin/users/<int:user_id>/password", "POST"): ADMIN,
    ("/admin/devices", "GET"): ADMIN,
    ("/admin/devices/new", "GET"): ADMIN,
    ("/admin/devices/new", "POST"): ADMIN,
    ("/admin/devices/<int:device_id>", "GET"): ADMIN,
    ("/admin/devices/<int:device_id>", "POST"): ADMIN,
    ("/admin/devices/<int:device_id>/revoke", "POST"): ADMIN,
    ("/admin/devices/<int:device_id>/rotate", "POST"): ADMIN,
    ("/admin/holidays", "GET"): ADMIN,
    ("/admin/holidays", "POST"): ADMIN,
    ("/admin/holidays/<int:holiday_id>/delete", "POST"): ADMIN,
    ("/admin/settings", "GET"): ADMIN,
    ("/admin/settings", "POST"): ADMIN,
    ("/admin/layout", "GET"): ADMIN,
    ("/admin/layout", "POST"): ADMIN,
    ("/admin/layout/export", "GET"): ADMIN,
    ("/admin/audit", "GET"): ADMIN,
    ("/admin/notifications", "GET"): ADMIN,
    ("/admin/audit.csv", "GET"): ADMIN,
    ("/account/password", "GET"): USERS_ALL,
    ("/account/password", "POST"): USERS_ALL,
}



@dataclass(frozen=True)
class Hall:
    """The agency of the test's own the paths' ids belong to, and who signs in."""

    desk: Desk
    users: dict[str, str]  # role -> username
    signer: str  # a second clerk, for the sign-in bodies

    @classmethod
    def make(cls, make: Factories) -> Hall:
        desk = make.desk()
        users = {**SITE_WIDE, "agency_manager": make.staff(role="manager"), "staff": desk.staff}
        return cls(desk, users, make.staff())

    def bodies(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Bodies that make an allowed call meaningful (sign-in needs real credentials)."""
        login = {"username": self.signer, "password": STAFF_PASSWORD}
        return {("/login", "POST"): login, ("/api/v1/auth/login", "POST"): login}


def routes(app: Flask) -> list[tuple[str, str]]:
    """Every (rule, method) the app serves, HEAD and OPTIONS aside."""
    return sorted({(rule.rule, method) for rule in app.url_map.iter_rules()
                   for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}})


def declared_roles(roles: tuple[str, ...]) -> frozenset[str]:
    """``@requires`` roles in the matrix's terms (an agency manager is a manager too)."""
    out = set(roles)
    if "manager" in out:
        out.add("agency_manager")
    return frozenset(out)


def test_every_route_declares_who_may_use_it(app):
    served = routes(app)
    missing = [r for r in served if r not in EXPECTED]
    gone = [r for r in EXPECTED if r not in served]
    assert not missing, ("routes without an expectation in tests/security/test_role_matrix.py "
                         f"EXPECTED (declare who may use them): {missing}")
    assert not gone, f"EXPECTED names routes the app no longer has: {gone}"


def test_declarations_match_the_views_own_role_checks(app):
    wrong = []
    for rule in app.url_map.iter_rules():
        roles = getattr(app.view_functions[rule.endpoint], "roles", None)
        if roles is None:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            expected = EXPECTED.get((rule.rule, method))
            if expected is not None and expected != declared_roles(tuple(roles)):
                wrong.append((rule.rule, method, sorted(expected), sorted(roles)))
    assert not wrong, f"EXPECTED differs from the view's roles: {wrong}"


# -- calling every route as every role ---------------------------------------------------------
def _path_values(app: Flask, desk: Desk) -> dict[str, Callable[[str], str]]:
    """A value for every variable part of a rule, by its name (the rule decides for files)."""
    hall = app.extensions["mpp"]
    now = START
    with hall.db.write() as s:
        service = s.get(Service, desk.service_id)
        agency = service.agency
        counter = s.get(Counter, desk.counter_id)
        spare_user = accounts.create_user(s, now, "matrix-spare", "matrix-spare", "staff",
                                          agency.code)
        spare_device, _ = accounts.create_device(s, now, "matrix-spare", "kiosk")
        site = s.scalars(select(Site)).first()
        holiday = s.scalars(select(Holiday)).first()
        complaint = Complaint(site_id=site.id, agency_id=agency.id, body="Antrian lama",
                              created_at=now)
        s.add(complaint)
        s.flush()
        ids = {"agency_id": agency.id, "service_id": service.id, "counter_id": counter.id,
               "user_id": spare_user.id, "device_id": spare_device.id,
               "holiday_id": holiday.id, "complaint_id": complaint.id}
    ticket = hall.queue.issue(_device_actor(app, "kiosk-1"), ids["service_id"])
    ids["ticket_id"] = ticket["id"]

    def static_file(rule: str) -> str:
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
        blueprint = endpoint.rpartition(".")[0]
        folder = app.static_folder if not blueprint else app.blueprints[blueprint].static_folder
        files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
        return files[0].relative_to(folder).as_posix()

    values: dict[str, Callable[[str], str]] = {k: (lambda r, v=v: str(v)) for k, v in ids.items()}
    values["token"] = lambda r: ticket["token"]
    values["filename"] = static_file
    values["key"] = lambda r: "0" * 32
    values["lang"] = lambda r: "en"
    return values


def _device_actor(app: Flask, name: str):  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return accounts.actor_for_device(s.scalars(select(Device).where(Device.name == name))
                                         .one())


def concrete(rule: str, values: dict[str, Callable[[str], str]]) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if converter.startswith("any("):
            return converter[4:-1].split(",")[0].strip().strip("'\"")
        if name not in values:
            pytest.fail(f"no test value for <{name}> in {rule}: add one in _path_values")
        return values[name](rule)

    return re.sub(r"<(?:([^:>]+(?:\([^)]*\))?):)?(\w+)>", fill, rule)


class Caller:
    """One role's way of calling: a browser session and/or a bearer token."""

    def __init__(self, app: Flask, users: dict[str, str], role: str, api_auth: str = "bearer"):
        self.app = app
        self.users = users
        self.role = role
        self.api_auth = api_auth
        self.reset()

    def reset(self) -> None:
        self.client: FlaskClient = self.app.test_client()
        self.token: str | None = None
        if self.role in USERS:
            username = self.users[self.role]
            assert sign_in(self.client, username).status_code == 302
            r = self.app.test_client().post("/api/v1/auth/login", json={
                "username": username, "password": PASSWORDS.get(username, STAFF_PASSWORD)})
            self.token = r.get_json()["token"]
        elif self.role in DEVICES:
            from mpp.services.demo import demo_device_token
            self.token = demo_device_token(TEST_SECRET, DEVICES[self.role])

    def call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        api = path.startswith("/api/")
        headers = {}
        use_token = self.token is not None and (
            self.role in DEVICES or (api and self.api_auth == "bearer"))
        if use_token:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "GET":
            return self.client.open(path, method=method, headers=headers)
        if api and path != "/api/v1/session":
            if not use_token:
                headers["X-CSRFToken"] = csrf_token(self.client)
            return self.client.open(path, method=method, json=body or {}, headers=headers)
        return self.client.open(path, method=method, headers=headers,
                                data={**(body or {}), "csrf_token": csrf_token(self.client)})


def refused(response: Any) -> bool:
    status = response.status_code
    if status == 401:
        return True
    if status == 403:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code") in REFUSALS
        return True
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.location)
        return target.path == "/login" and "next=" in target.query
    return False


@pytest.mark.parametrize("api_auth", ["bearer", "session"])
def test_every_route_allows_and_refuses_as_declared(app, make, api_auth):
    """Users call the API with a bearer token, or (as pages do) with their session cookie
    and the X-CSRFToken header."""
    hall = Hall.make(make)
    values = _path_values(app, hall.desk)
    bodies = hall.bodies()
    callers = {role: Caller(app, hall.users, role, api_auth) for role in ROLES}
    wrong, errors = [], []
    for rule, method in routes(app):
        expected = EXPECTED.get((rule, method))
        if expected is None:
            continue  # reported by test_every_route_declares_who_may_use_it
        path = concrete(rule, values)
        for role in ROLES:
            caller = callers[role]
            r = caller.call(method, path, bodies.get((rule, method)))
            if r.status_code >= 500:
                errors.append(f"{method} {path} as {role}: {r.status_code}")
            got = "refused" if refused(r) else "allowed"
            want = "allowed" if role in expected else "refused"
            if got != want:
                detail = r.get_json(silent=True) or r.location or r.status_code
                wrong.append(f"{method} {path} as {role}: {got} ({r.status_code} {detail}), "
                             f"expected {want}")
            if path.endswith(("/login", "/logout", "/password")):
                caller.reset()  # the call may have started or ended a session or token
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not wrong, "role matrix mismatches:\n" + "\n".join(wrong)


def test_matrix_covers_users_and_devices_of_every_kind(app, make):
    users = Hall.make(make).users
    assert sorted(users) == sorted(USERS)
    with app.extensions["mpp"].db.read() as s:
        roles = {u.username: (u.role, u.agency_id is not None) for u in s.scalars(select(User))}
        kinds = {d.name: d.kind for d in s.scalars(select(Device))}
    assert {role: roles[u] for role, u in users.items()} == {
        "admin": ("admin", False), "manager": ("manager", False),
        "agency_manager": ("manager", True), "staff": ("staff", True)}
    assert {kinds[d] for d in DEVICES.values()} == {"kiosk", "display", "printer"}
