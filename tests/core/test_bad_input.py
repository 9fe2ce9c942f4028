"""Bad input gets a 4xx JSON error naming the problem, and changes nothing. Services,
counters and clerks are the test's own (support/factories.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mpp.models import Counter, Ticket, TicketEvent

from ..support.factories import Desk
from ..support.openapi import body_schema


def counts(app) -> tuple[int, int, list]:
    with app.extensions["mpp"].db.read() as s:
        return (s.scalar(select(func.count(Ticket.id))),
                s.scalar(select(func.count(TicketEvent.id))),
                s.execute(select(Counter.id, Counter.staff_user_id).order_by(Counter.id)).all())


@pytest.fixture
def unchanged(app):
    before = counts(app)
    yield
    assert counts(app) == before, "a refused request changed something"


KIOSK = "kiosk"


@pytest.fixture
def desk(make) -> Desk:  # type: ignore[no-untyped-def]
    """A service of the test's own, its counter and clerk."""
    return make.desk()


@pytest.mark.parametrize(("raw", "body", "status", "code"), [
    ('{"service_id": 1', None, 400, "malformed_json"),
    ("not json at all", None, 400, "malformed_json"),
    ("[1, 2]", None, 400, "malformed_json"),
    (None, {"service_id": "1"}, 422, "validation_failed"),
    (None, {"service_id": 1.5}, 422, "validation_failed"),
    (None, {"service_id": None}, 422, "validation_failed"),
    (None, {}, 422, "validation_failed"),
    (None, {"service_id": 1, "priority": "yes"}, 422, "validation_failed"),
    (None, {"service_id": 1, "priority_category": "vip"}, 422, "validation_failed"),
    (None, {"service_id": 99999}, 404, "service_not_found"),
    (None, {"service_id": -3}, 422, "validation_failed"),
])
def test_issuing_with_bad_bodies_is_refused(api, unchanged, raw, body, status, code):
    r = api.post("/tickets", body, token=api.device_token(), raw=raw)
    assert (r.status, r.error) == (status, code), r.body
    assert r.body["error"]["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/tickets"), ("POST", "/counters/1/open"), ("POST", "/counters/1/call-next"),
    ("POST", "/tickets/1/finish"), ("POST", "/tickets/1/cancel"),
])
def test_missing_auth_is_401(api, unchanged, method, path):
    r = api.request(method, path, {"service_id": 1})
    assert (r.status, r.error) == (401, "auth_required")


def test_unknown_token_is_401(api, unchanged):
    r = api.post("/tickets", {"service_id": 1}, token="nonsense")
    assert (r.status, r.error) == (401, "invalid_token")


def test_kiosk_cannot_call_and_display_cannot_issue(api, unchanged):
    r = api.post("/counters/1/open", token=api.device_token("kiosk-1"))
    assert (r.status, r.error) == (403, "forbidden_role")
    r = api.post("/tickets", {"service_id": 1}, token=api.device_token("display-1"))
    assert (r.status, r.error) == (403, "forbidden_role")


def test_unknown_ids_are_404(api, make, unchanged):
    staff = api.login(make.staff())
    assert api.post("/counters/999/open", token=staff).error == "counter_not_found"
    assert api.post("/tickets/999/cancel", token=staff).error == "ticket_not_found"
    assert api.get("/tickets/by-token/nope").error == "ticket_not_found"
    assert api.get("/nothing-here").status == 404


@pytest.fixture
def foreign(make) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A clerk of one agency, and a counter of another."""
    return make.staff(), make.agency().desk().counter_id


def test_staff_cannot_open_another_agencys_counter(api, foreign, unchanged):
    clerk, cid = foreign
    r = api.post(f"/counters/{cid}/open", token=api.login(clerk))
    assert (r.status, r.error) == (403, "other_agency")


def test_staff_acting_at_another_counter_is_refused_and_nothing_changes(app, api, make, desk):
    second = make.counter([desk.code])  # the same service at a second counter
    colleague = make.staff()
    ticket = api.issue(desk.code)
    c1 = api.open_counter(desk.staff, desk.counter)
    api.open_counter(colleague, make.counter_name(second))
    r = api.post(f"/counters/{c1}/call-next", token=api.login(desk.staff))
    assert r.body["ticket"]["id"] == ticket["id"]
    before = counts(app)
    other = api.login(colleague)
    for action in ("recall", "start", "finish", "no-show"):
        r = api.post(f"/tickets/{ticket['id']}/{action}", token=other)
        assert (r.status, r.error) == (403, "not_your_ticket"), action
    r = api.post(f"/tickets/{ticket['id']}/transfer", {"service_id": 2}, token=other)
    assert (r.status, r.error) == (403, "not_your_ticket")
    r = api.post(f"/counters/{c1}/call-next", token=other)
    assert (r.status, r.error) == (403, "not_at_counter")
    r = api.post(f"/counters/{c1}/close", token=other)
    assert (r.status, r.error) == (403, "not_at_counter")
    assert counts(app) == before


def test_transfer_with_bad_body(api, desk):
    api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    t = api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]
    assert api.post(f"/tickets/{t['id']}/transfer", {"service_id": "KK"},
                    token=staff).status == 422
    assert api.post(f"/tickets/{t['id']}/transfer", raw="{", token=staff).status == 400
    assert api.post(f"/tickets/{t['id']}/transfer", {"service_id": 4242},
                    token=staff).error == "service_not_found"
    assert api.post(f"/tickets/{t['id']}/transfer", {"service_id": t["service"]["id"]},
                    token=staff).error == "same_service"
    assert api.get(f"/tickets/{t['id']}", token=staff).body["ticket"]["status"] == "called"


def test_wrong_login_is_401(api, make):
    clerk = make.staff()
    r = api.post("/auth/login", {"username": clerk, "password": "wrong"})
    assert (r.status, r.error) == (401, "bad_credentials")
    r = api.post("/auth/login", {"username": clerk})
    assert r.status == 422


def test_quota_reached_and_closed_service_are_409(app, api, make, clock):
    from datetime import datetime

    from ..support.databases import WITA

    code = make.service(hours="08:00-14:00", daily_quota=5)
    sid = make.service_id(code)
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=WITA))
    r = api.post("/tickets", {"service_id": sid}, token=api.device_token())
    assert (r.status, r.error) == (409, "service_closed")
    assert "08.00" in r.body["error"]["message"]
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=WITA))
    for _ in range(5):
        assert api.post("/tickets", {"service_id": sid}, token=api.device_token()).status == 201
    r = api.post("/tickets", {"service_id": sid}, token=api.device_token())
    assert (r.status, r.error) == (409, "quota_reached")
    svc = next(s for s in api.get("/services").body["services"] if s["id"] == sid)
    assert svc["open"] is False and svc["closed_reason"] == "quota_reached"
    assert svc["waiting"] == 5


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for must in ["/api/v1/tickets", "/api/v1/counters/{counter_id}/call-next",
                 "/api/v1/tickets/{ticket_id}/no-show", "/api/v1/tickets/{ticket_id}/transfer",
                 "/api/v1/queue", "/api/v1/auth/login", "/api/v1/tickets/by-token/{token}"]:
        assert must in paths, must
    assert paths["/api/v1/tickets"]["post"]["x-roles"] == ["kiosk", "staff", "admin"]
    assert "service_id" in body_schema(doc, "/api/v1/tickets", "post")["properties"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and "<any" not in rule.rule:
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            assert path in paths, f"{rule.rule} missing from the OpenAPI document"
