"""Staff and managers tied to one agency see and act only on their agency's counters and
tickets; admins and site-wide managers see all."""

from __future__ import annotations

import pytest


@pytest.fixture
def imigrasi_ticket(api):  # type: ignore[no-untyped-def]
    return api.issue("PASPOR")


@pytest.mark.parametrize(("user", "own", "other"), [
    ("manajer-dukcapil", 200, 403),
    ("dukcapil1", 200, 403),
    ("manajer", 200, 200),
    ("admin", 200, 200),
])
def test_counter_queue_is_visible_only_within_the_agency(api, user, own, other):
    token = api.login(user)
    r_own = api.get(f"/counters/{api.counter_id('Loket 1')}/queue", token=token)
    r_other = api.get(f"/counters/{api.counter_id('Loket 6')}/queue", token=token)
    assert (r_own.status, r_other.status) == (own, other)
    if other == 403:
        assert r_other.error == "other_agency"


@pytest.mark.parametrize(("user", "status"), [
    ("manajer-dukcapil", 403), ("dukcapil1", 403), ("imigrasi1", 200), ("manajer", 200),
    ("admin", 200)])
def test_ticket_by_id_is_visible_only_within_its_agency(api, imigrasi_ticket, user, status):
    r = api.get(f"/tickets/{imigrasi_ticket['id']}", token=api.login(user))
    assert r.status == status
    if status == 403:
        assert r.error == "other_agency"


def test_staff_cannot_open_another_agencys_counter(api):
    r = api.post(f"/counters/{api.counter_id('Loket 6')}/open", token=api.login("dukcapil1"))
    assert (r.status, r.error) == (403, "other_agency")


def test_staff_cannot_issue_or_cancel_for_another_agency(api, imigrasi_ticket):
    token = api.login("dukcapil1")
    r = api.post("/tickets", {"service_id": api.service_id("PASPOR")}, token=token)
    assert (r.status, r.error) == (403, "other_agency")
    r = api.post(f"/tickets/{imigrasi_ticket['id']}/cancel", token=token)
    assert (r.status, r.error) == (403, "other_agency")
    r = api.post(f"/tickets/{imigrasi_ticket['id']}/cancel", token=api.login("imigrasi1"))
    assert r.status == 200 and r.body["ticket"]["status"] == "cancelled"


def test_a_transferred_ticket_stays_visible_to_the_agency_that_issued_it(api):
    ticket = api.issue("KTP")
    api.open_counter("dukcapil1", "Loket 1")
    token = api.login("dukcapil1")
    called = api.post(f"/counters/{api.counter_id('Loket 1')}/call-next", token=token)
    assert called.body["ticket"]["id"] == ticket["id"]
    moved = api.post(f"/tickets/{ticket['id']}/transfer",
                     {"service_id": api.service_id("PASPOR")}, token=token)
    assert moved.status == 200
    assert api.get(f"/tickets/{ticket['id']}", token=token).status == 200
    assert api.get(f"/tickets/{ticket['id']}", token=api.login("imigrasi1")).status == 200
    assert api.get(f"/tickets/{ticket['id']}", token=api.login("polresta1")).status == 403


@pytest.mark.parametrize("path", ["print-jobs", "preview.png"])
@pytest.mark.parametrize(("user", "status"), [
    ("manajer-dukcapil", 403), ("dukcapil1", 403), ("imigrasi1", 200), ("manajer", 200),
    ("admin", 200)])
def test_print_jobs_and_preview_stay_within_the_agency(api, imigrasi_ticket, path, user,
                                                       status):
    r = api.get(f"/tickets/{imigrasi_ticket['id']}/{path}", token=api.login(user))
    assert r.status == status
    if status == 403:
        assert r.error == "other_agency"


def test_agency_manager_reports_and_complaints_cover_only_the_agency(api, imigrasi_ticket):
    api.issue("KTP")
    own = api.login("manajer-dukcapil")
    r = api.get("/reports/daily?date=2026-11-23&agency=IMIGRASI", token=own)
    assert (r.status, r.error) == (403, "other_agency")
    daily = api.get("/reports/daily?date=2026-11-23", token=own).body
    assert [a["code"] for a in daily["by_agency"]] == ["DUKCAPIL"]
    assert daily["totals"]["issued"] == 1
    live = api.get("/reports/live", token=own).body
    dukcapil = api.get("/counters").body["counters"][0]["agency"]["id"]
    assert live["counters"] and {c["agency_id"] for c in live["counters"]} == {dukcapil}
    complaint = api.post("/complaints", {"body": "Antrian paspor lama sekali",
                                         "agency": "IMIGRASI"}).body["complaint"]
    assert api.get("/complaints", token=own).body["complaints"] == []
    r = api.request("PATCH", f"/complaints/{complaint['id']}",
                    {"status": "closed", "response": "Sudah ditangani"}, token=own)
    assert (r.status, r.error) == (403, "other_agency")
    everyone = api.get("/complaints", token=api.login("manajer")).body["complaints"]
    assert [c["id"] for c in everyone] == [complaint["id"]]
    site_wide = api.get("/reports/daily?date=2026-11-23", token=api.login("manajer")).body
    assert site_wide["totals"]["issued"] == 2
