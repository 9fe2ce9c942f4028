"""Report, live view and complaint endpoints: access, bad input, scoping."""

from __future__ import annotations

import pytest

from ..support.openapi import json_schema


@pytest.mark.parametrize(("query", "code"), [
    ("", "invalid_date"),
    ("?date=2026-13-01", "invalid_date"),
    ("?date=20261123", "invalid_date"),
    ("?date=23-11-2026", "invalid_date"),
    ("?date=2026-11-23&format=pdf", "invalid_format"),
])
def test_daily_report_bad_input_is_a_clear_400(api, query, code):
    r = api.get(f"/reports/daily{query}", token=api.login("manajer"))
    assert (r.status, r.error) == (400, code)
    assert r.body["error"]["message"]


@pytest.mark.parametrize(("query", "code"), [
    ("?from=2026-11-23&to=2026-11-01", "invalid_range"),
    ("?from=2025-01-01&to=2026-11-23", "range_too_long"),
    ("?from=2026-11-01&to=nope", "invalid_date"),
    ("?to=2026-11-01", "invalid_date"),
])
def test_range_report_bad_input_is_a_clear_400(api, query, code):
    r = api.get(f"/reports/range{query}", token=api.login("manajer"))
    assert (r.status, r.error) == (400, code)


def test_a_year_is_the_longest_range(api):
    r = api.get("/reports/range?from=2025-11-23&to=2026-11-23", token=api.login("manajer"))
    assert r.status == 200 and r.body["days"] == 366


@pytest.mark.parametrize("path", ["/reports/daily?date=2026-11-23", "/reports/live",
                                  "/reports/range?from=2026-11-23&to=2026-11-23",
                                  "/reports/ikm?from=2026-11-23&to=2026-11-23", "/complaints"])
def test_reports_are_for_managers_and_admins_only(api, make, path):
    assert api.get(path).status == 401
    assert api.get(path, token=api.login(make.staff())).error == "forbidden_role"
    assert api.get(path, token=api.device_token("kiosk-1")).status == 403
    assert api.get(path, token=api.login("manajer")).status == 200
    assert api.get(path, token=api.login("admin")).status == 200


def test_unknown_agency_is_422(api):
    r = api.get("/reports/live?agency=NOPE", token=api.login("manajer"))
    assert (r.status, r.error) == (422, "unknown_agency")


def test_live_view_counts_waiting_longest_wait_and_open_counters(api, make, clock):
    first_code, second_code = make.service(), make.service()
    counter = make.counter([first_code, second_code])
    make.counter([second_code])  # closed all along
    clerk, boss = make.staff(), make.staff(role="manager")
    elsewhere = make.agency().service()  # another agency's, outside the manager's view
    every_counter = len(api.get("/counters").body["counters"])
    first = api.issue(first_code)
    clock.advance(minutes=7)
    api.issue(second_code)
    api.issue(elsewhere)
    api.open_counter(clerk, make.counter_name(counter))
    clock.advance(minutes=5)
    live = api.get("/reports/live", token=api.login("manajer")).body
    assert (live["waiting"], live["counters_open"], live["counters_total"]) == (
        3, 1, every_counter)
    assert live["longest_wait_seconds"] == 12 * 60
    staff = api.login(clerk)
    api.post(f"/counters/{counter}/call-next", token=staff)
    live = api.get("/reports/live", token=api.login("manajer")).body
    assert (live["waiting"], live["in_service"]) == (2, 1)
    assert live["longest_wait_seconds"] == 5 * 60  # the second ticket is now the oldest
    api.post(f"/tickets/{first['id']}/finish", token=staff)
    own = api.get("/reports/live", token=api.login(boss)).body
    assert (own["waiting"], own["served"], own["counters_total"]) == (1, 1, 2)
    assert {s["code"] for s in own["services"]} == {first_code, second_code}


def test_complaint_with_ticket_token_is_linked_to_its_agency(api, make):
    t = api.issue(make.agency().service(prefix="Q"))
    r = api.post("/complaints", {"body": "Petugas tidak ada di loket.", "name": "Budi",
                                 "ticket_token": t["token"]})
    assert r.status == 201, r.body
    c = r.body["complaint"]
    assert (c["agency"]["code"], c["ticket"]["number"], c["status"]) == ("UJB", "Q001", "open")
    listed = api.get("/complaints", token=api.login("manajer")).body["complaints"]
    assert [x["id"] for x in listed] == [c["id"]]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({}, 422, "validation_failed"),
    ({"body": "abc"}, 422, "complaint_too_short"),
    ({"body": "x" * 4001}, 422, "validation_failed"),
    ({"body": "Antrian lama", "agency": "NOPE"}, 422, "unknown_agency"),
    ({"body": "Antrian lama", "ticket_token": "nope"}, 404, "ticket_not_found"),
    ({"body": 5}, 422, "validation_failed"),
])
def test_bad_complaints_are_refused(api, body, status, code):
    r = api.post("/complaints", body)
    assert (r.status, r.error) == (status, code)


def test_manager_follows_up_a_complaint(api):
    c = api.post("/complaints", {"body": "AC ruang tunggu mati.", "contact": "0812"}
                 ).body["complaint"]
    token = api.login("manajer")
    r = api.request("PATCH", f"/complaints/{c['id']}", {"status": "in_progress"}, token=token)
    assert r.status == 200 and r.body["complaint"]["status"] == "in_progress"
    r = api.request("PATCH", f"/complaints/{c['id']}",
                    {"status": "closed", "response": "AC sudah diperbaiki."}, token=token)
    got = r.body["complaint"]
    assert (got["status"], got["response"], got["responded_by"]) == ("closed",
                                                                    "AC sudah diperbaiki.",
                                                                    "manajer")
    assert got["responded_at"].endswith("+08:00")
    assert api.get("/complaints?status=open", token=token).body["complaints"] == []
    bad = api.request("PATCH", f"/complaints/{c['id']}", {"status": "done"}, token=token)
    assert bad.status == 422
    empty = api.request("PATCH", f"/complaints/{c['id']}", {}, token=token)
    assert (empty.status, empty.error) == (422, "nothing_to_change")
    missing = api.request("PATCH", "/complaints/9999", {"status": "closed"}, token=token)
    assert (missing.status, missing.error) == (404, "complaint_not_found")
    assert api.get("/complaints?status=bogus", token=token).error == "invalid_status"


def test_dashboard_pages_redirect_to_login_without_a_session(client):
    for path in ("/dashboard", "/dashboard/complaints", "/reports/evidence"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    assert client.get("/pengaduan").status_code == 200


def test_openapi_documents_the_report_endpoints(api):
    doc = api.get("/openapi.json").body
    daily = doc["paths"]["/api/v1/reports/daily"]["get"]
    assert daily["x-roles"] == ["manager", "admin"]
    props = json_schema(doc, "/api/v1/reports/daily", "get")
    assert "by_hour" in str(props)
    row = doc["components"]["schemas"]["ReportRow"]["properties"]
    assert {"p90_wait_seconds", "avg_service_seconds", "p90_service_seconds"} <= set(row)
    hour = props["properties"]["by_hour"]["items"]["properties"]
    by_issue = {"issued", "no_show", "cancelled", "expired", "avg_wait_seconds",
                "p90_wait_seconds"}
    by_finish = {"served", "avg_service_seconds", "p90_service_seconds"}
    assert set(hour) == {"hour"} | by_issue | by_finish
    for name in by_issue:
        assert "hour the ticket was taken" in hour[name]["description"], name
    for name in by_finish:
        assert "hour the ticket was finished" in hour[name]["description"], name
    assert "p90_service_seconds" in props["properties"]["totals"]["properties"]
    assert "requestBody" in doc["paths"]["/api/v1/surveys"]["post"]
    assert "requestBody" in doc["paths"]["/api/v1/complaints"]["post"]
