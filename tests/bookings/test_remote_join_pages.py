"""Remote join on the public pages (issue 10): the choice under a service that allows it, the
form and its refusals, the status page saying to check in and by when, the check-in QR; the
site file's remote_join entries validated and exported; the per-process expirer; the rules
without a server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mpp.domain import remote_join as rules
from mpp.domain.errors import Conflict, ValidationFailed
from mpp.models import Site
from mpp.remote_expiry import RemoteExpirer
from mpp.services.site_layout import export_layout, load_layout

from ..support.api import Api
from ..support.factories import Factories


def remote_service(app) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A service of the test's own with remote_join = true: its code and id."""
    make = Factories(app)
    code = make.service(remote_join=True)
    return code, make.service_id(code)


def test_the_services_page_offers_remote_join_for_a_service_that_allows_it(app):
    api = Api(app.test_client())
    _, sid = remote_service(app)
    make = Factories(app)
    walk_in = make.service_id(make.service())  # no remote_join
    page = api.page("/booking").text
    assert f'href="/booking/{sid}/remote?lang=id"' in page
    assert "Ambil antrean dari rumah" in page
    assert f"/booking/{walk_in}/remote" not in page
    form = api.page(f"/booking/{sid}/remote").text
    assert "paling lambat 30 menit" in form and 'name="phone"' in form
    english = api.page(f"/booking/{sid}/remote?lang=en").text
    assert "Join the queue remotely" in english
    assert api.page(f"/booking/{walk_in}/remote").status == 404


def test_taking_a_remote_ticket_leads_to_its_status_page_which_says_to_check_in(app):
    api = Api(app.test_client())
    code_of_service, sid = remote_service(app)
    r = api.post_form(f"/booking/{sid}/remote", {"phone": "", "name": "Siti"})
    assert r.status == 422 and "Tulis nomor HP Anda" in r.text
    r = api.post_form(f"/booking/{sid}/remote", {"phone": "bukan nomor"})
    assert r.status == 422 and "Nomor HP tidak valid" in r.text
    r = api.post_form(f"/booking/{sid}/remote", {"phone": "0812 3456 7890", "name": "Siti"})
    assert r.status == 303, r.text
    location = r.headers["Location"]
    token = re.search(r"/t/([^/?]+)", location).group(1)
    status = api.page(f"/t/{token}").text
    assert "Belum check-in" in status and "pukul 09.30" in status
    code = re.search(r'id="st-checkin-code">([A-Z2-9]{6})<', status).group(1)
    qr = api.page(f"/t/{token}/check-in.svg")
    assert qr.status == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    assert qr.headers["Cache-Control"] == "no-store"
    assert "Not checked in yet" in api.page(f"/t/{token}?lang=en").text
    # the status page of an ordinary ticket has no check-in panel, and no check-in QR
    walk_in = api.issue(code_of_service)
    assert "st-checkin" not in api.page(f"/t/{walk_in['token']}").text
    assert api.page(f"/t/{walk_in['token']}/check-in.svg").status == 404
    assert api.page("/t/" + "x" * 200 + "/check-in.svg").status == 404
    # checked in: the page says so
    assert api.post("/bookings/check-in", {"code": code}, token=api.device_token()).status == 201
    after = api.page(f"/t/{token}?lang=id").text
    assert re.search(r'id="st-checkin"[^>]*hidden', after)
    assert "Sudah check-in" in after


def test_the_site_file_entries_are_validated_and_exported(app):
    hall = app.extensions["mpp"]
    make = Factories(app)
    with pytest.raises(ValidationFailed, match="'remote_join' must be true or false"):
        make.service(remote_join="yes")
    code, _ = remote_service(app)
    with hall.db.write() as s:
        site = s.scalars(select(Site)).one()
        head = {"site": {"code": site.code, "name": site.name}}
        with pytest.raises(ValidationFailed, match="check_in_minutes' must be a whole number"):
            load_layout(s, {**head, "remote_join": {"check_in_minutes": 1}}, hall.clock.now())
        with pytest.raises(ValidationFailed, match="unknown keys"):
            load_layout(s, {**head, "remote_join": {"minutes": 30}}, hall.clock.now())
        load_layout(s, {**head, "remote_join": {"check_in_minutes": 45}}, hall.clock.now())
        exported = export_layout(s)
    assert "[remote_join]\ncheck_in_minutes = 45\nper_phone = 2" in exported
    entry = exported[exported.index(f'code = "{code}"'):]
    assert "remote_join = true" in entry[:entry.find("[[", 1)]


def test_the_rules_without_a_server():
    assert rules.parse_rules(None) == rules.RemoteRules(30, 2)
    assert rules.parse_rules({"per_phone": 1}).per_phone == 1
    for bad in ({"per_phone": 0}, {"check_in_minutes": True}, {"check_in_minutes": 241}, []):
        with pytest.raises(ValidationFailed):
            rules.parse_rules(bad)  # type: ignore[arg-type]
    joined = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    deadline = rules.check_in_deadline(joined, rules.RemoteRules(check_in_minutes=20))
    assert deadline == joined + timedelta(minutes=20)
    assert not rules.is_overdue(deadline, deadline) and rules.is_overdue(
        deadline, deadline + timedelta(seconds=1))
    rules.check_phone_limit(1, rules.RemoteRules(per_phone=2))
    with pytest.raises(Conflict, match="remote tickets today"):
        rules.check_phone_limit(2, rules.RemoteRules(per_phone=2))
    for status, ticket, now, code in [
            ("checked_in", "waiting", joined, "already_checked_in"),
            ("awaiting_check_in", "waiting", deadline + timedelta(minutes=1), "check_in_expired"),
            ("expired", "cancelled", joined, "check_in_expired"),
            ("awaiting_check_in", "cancelled", joined, "ticket_not_waiting")]:
        with pytest.raises(Conflict) as refused:
            rules.check_can_check_in(status, ticket, deadline, now)
        assert refused.value.code == code
    rules.check_can_check_in("awaiting_check_in", "waiting", deadline, joined)


def test_the_expirer_looks_every_few_seconds_and_cancels_overdue_tickets(app, clock):
    api = Api(app.test_client())
    joined = api.post("/tickets/remote", {"service_id": remote_service(app)[1],
                                          "phone": "0812 0000 1111"})
    assert joined.status == 201
    looks: list[float] = []
    calls = {"n": 0}

    class Stop(BaseException):
        pass

    def sleep(seconds: float) -> None:
        looks.append(seconds)
        calls["n"] += 1
        if calls["n"] == 1:
            clock.advance(minutes=31)
        if calls["n"] == 3:
            raise Stop

    expirer = RemoteExpirer(app, sleep, lambda fn: fn(), every=5)
    with pytest.raises(Stop):
        expirer.start()  # runs in the foreground here: look, sleep, look, sleep, look
    assert looks == [5, 5, 5]
    assert api.ticket(joined.body["ticket"]["token"])["status"] == "cancelled"


def test_a_closed_service_says_so_and_an_expired_ticket_says_why(app, clock):
    api = Api(app.test_client())
    make = Factories(app)
    closed = make.service_id(make.service(hours={"mon-sun": "13:00-14:00"}, remote_join=True))
    page = api.page(f"/booking/{closed}/remote?lang=id").text
    assert "tidak sedang menerima antrean hari ini" in page and 'name="phone"' not in page
    assert f"/booking/{closed}/remote" not in api.page("/booking").text  # not offered now
    joined = api.post("/tickets/remote", {"service_id": remote_service(app)[1],
                                          "phone": "0812 4444 5555"})
    token = joined.ok()["ticket"]["token"]
    clock.advance(minutes=31)
    assert app.extensions["mpp"].remote.expire_overdue() == 1
    status = api.page(f"/t/{token}?lang=id").text
    assert "dibatalkan karena tidak check-in sampai pukul 09.30" in status
    assert re.search(r'id="st-checkin"[^>]*hidden', status)
