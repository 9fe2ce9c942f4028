"""Staff and managers tied to one agency see and act only on their agency's counters and
tickets; admins and site-wide managers see all. Two agencies of the test's own
(support/factories.py): ours (UJI) and another (UJB), each with a service, a counter and a
clerk; "manajer" and "admin" are the demo's site-wide accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ..support.factories import SECOND_AGENCY, Desk, Factories


@dataclass(frozen=True)
class Hall:
    ours: Desk
    other: Desk
    manager: str  # our agency's manager

    def user(self, who: str) -> str:
        """A parametrised role's username."""
        return {"agency_manager": self.manager, "clerk": self.ours.staff,
                "other_clerk": self.other.staff}.get(who, who)


@pytest.fixture
def hall(make: Factories) -> Hall:
    ours = make.desk()
    other = make.agency().desk()
    return Hall(ours, other, make.staff(role="manager"))


@pytest.fixture
def other_ticket(api, hall: Hall):  # type: ignore[no-untyped-def]
    return api.issue(hall.other.code)


@pytest.mark.parametrize(("who", "own", "other"), [
    ("agency_manager", 200, 403),
    ("clerk", 200, 403),
    ("manajer", 200, 200),
    ("admin", 200, 200),
])
def test_counter_queue_is_visible_only_within_the_agency(api, hall, who, own, other):
    token = api.login(hall.user(who))
    r_own = api.get(f"/counters/{hall.ours.counter_id}/queue", token=token)
    r_other = api.get(f"/counters/{hall.other.counter_id}/queue", token=token)
    assert (r_own.status, r_other.status) == (own, other)
    if other == 403:
        assert r_other.error == "other_agency"


@pytest.mark.parametrize(("who", "status"), [
    ("agency_manager", 403), ("clerk", 403), ("other_clerk", 200), ("manajer", 200),
    ("admin", 200)])
def test_ticket_by_id_is_visible_only_within_its_agency(api, hall, other_ticket, who, status):
    r = api.get(f"/tickets/{other_ticket['id']}", token=api.login(hall.user(who)))
    assert r.status == status
    if status == 403:
        assert r.error == "other_agency"


def test_staff_cannot_open_another_agencys_counter(api, hall):
    r = api.post(f"/counters/{hall.other.counter_id}/open", token=api.login(hall.ours.staff))
    assert (r.status, r.error) == (403, "other_agency")


def test_staff_cannot_issue_or_cancel_for_another_agency(api, hall, other_ticket):
    token = api.login(hall.ours.staff)
    r = api.post("/tickets", {"service_id": hall.other.service_id}, token=token)
    assert (r.status, r.error) == (403, "other_agency")
    r = api.post(f"/tickets/{other_ticket['id']}/cancel", token=token)
    assert (r.status, r.error) == (403, "other_agency")
    r = api.post(f"/tickets/{other_ticket['id']}/cancel", token=api.login(hall.other.staff))
    assert r.status == 200 and r.body["ticket"]["status"] == "cancelled"


def test_a_transferred_ticket_stays_visible_to_the_agency_that_issued_it(api, make, hall):
    ticket = api.issue(hall.ours.code)
    api.open_counter(hall.ours.staff, hall.ours.counter)
    token = api.login(hall.ours.staff)
    called = api.post(f"/counters/{hall.ours.counter_id}/call-next", token=token)
    assert called.body["ticket"]["id"] == ticket["id"]
    moved = api.post(f"/tickets/{ticket['id']}/transfer",
                     {"service_id": hall.other.service_id}, token=token)
    assert moved.status == 200
    assert api.get(f"/tickets/{ticket['id']}", token=token).status == 200
    assert api.get(f"/tickets/{ticket['id']}", token=api.login(hall.other.staff)).status == 200
    third = make.agency("UJC").staff()  # a clerk of neither agency
    assert api.get(f"/tickets/{ticket['id']}", token=api.login(third)).status == 403


@pytest.mark.parametrize("path", ["print-jobs", "preview.png"])
@pytest.mark.parametrize(("who", "status"), [
    ("agency_manager", 403), ("clerk", 403), ("other_clerk", 200), ("manajer", 200),
    ("admin", 200)])
def test_print_jobs_and_preview_stay_within_the_agency(api, hall, other_ticket, path, who,
                                                       status):
    r = api.get(f"/tickets/{other_ticket['id']}/{path}", token=api.login(hall.user(who)))
    assert r.status == status
    if status == 403:
        assert r.error == "other_agency"


def test_agency_manager_reports_and_complaints_cover_only_the_agency(api, hall, other_ticket):
    api.issue(hall.ours.code)
    own = api.login(hall.manager)
    r = api.get(f"/reports/daily?date=2026-11-23&agency={SECOND_AGENCY}", token=own)
    assert (r.status, r.error) == (403, "other_agency")
    daily = api.get("/reports/daily?date=2026-11-23", token=own).body
    assert [a["code"] for a in daily["by_agency"]] == ["UJI"]
    assert daily["totals"]["issued"] == 1
    live = api.get("/reports/live", token=own).body
    ours = next(c for c in api.get("/counters").body["counters"]
                if c["id"] == hall.ours.counter_id)["agency"]["id"]
    assert live["counters"] and {c["agency_id"] for c in live["counters"]} == {ours}
    complaint = api.post("/complaints", {"body": "Antrian paspor lama sekali",
                                         "agency": SECOND_AGENCY}).body["complaint"]
    assert api.get("/complaints", token=own).body["complaints"] == []
    r = api.request("PATCH", f"/complaints/{complaint['id']}",
                    {"status": "closed", "response": "Sudah ditangani"}, token=own)
    assert (r.status, r.error) == (403, "other_agency")
    everyone = api.get("/complaints", token=api.login("manajer")).body["complaints"]
    assert [c["id"] for c in everyone] == [complaint["id"]]
    site_wide = api.get("/reports/daily?date=2026-11-23", token=api.login("manajer")).body
    assert site_wide["totals"]["issued"] == 2
