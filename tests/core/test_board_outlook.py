"""The board's estimated wait per agency (issue 12): the hall snapshot and ``queue`` event
say, per service and agency, what a ticket taken now would wait, by the status page's rule
(people waiting × median recent service time ÷ open counters)."""

from __future__ import annotations

import math
from typing import Any

from mpp.domain.estimates import ServiceOutlook, agency_outlook

from ..support.api import Api
from ..support.factories import AGENCY, Factories
from .test_estimated_wait import _serve


def _agency(api: Api) -> dict[str, Any]:
    """The test agency's row of the hall snapshot's ``agency_waiting``."""
    snap = api.get("/queue").body
    agency_id = next(a["id"] for a in snap["agencies"] if a["code"] == AGENCY)
    return next(r for r in snap["agency_waiting"] if r["agency_id"] == agency_id)


def _service(api: Api, code: str) -> dict[str, Any]:
    return next(s for s in api.get("/queue").body["services"] if s["code"] == code)


def test_a_new_tickets_wait_is_what_its_status_page_will_show(api: Api, clock,
                                                              make: Factories) -> None:
    quick, slow = make.service(sla_minutes=10), make.service(sla_minutes=40)
    counter = make.counter([quick, slow])
    staff = make.staff()
    # nobody at the counter: the services issue tickets, but no wait can be told
    row = _agency(api)
    assert row["issuing"] is True and row["open_counters"] == 0
    assert row["estimated_wait_minutes"] is None and row["estimated_wait_minutes_min"] is None

    assert api.post(f"/counters/{counter}/open", token=api.login(staff)).status == 200
    _serve(api, clock, staff, counter, quick, [4, 2, 6])  # median 4 minutes
    for _ in range(3):
        api.issue(quick)
        api.issue(slow)
    q, s = _service(api, quick), _service(api, slow)
    assert (q["waiting"], q["open_counters"], q["estimated_wait_minutes"]) == (3, 1, 3 * 4)
    # nothing finished yet in the slow service: half its published 40 minutes
    assert s["estimated_wait_minutes"] == math.ceil(3 * 20)
    row = _agency(api)
    assert (row["waiting"], row["open_counters"]) == (6, 1)
    assert (row["estimated_wait_minutes_min"], row["estimated_wait_minutes"]) == (12, 60)
    # the next ticket's own page says what the board said
    mine = api.issue(quick)
    shown = api.get(f"/tickets/by-token/{mine['token']}").body["ticket"]
    assert (shown["people_ahead"], shown["estimated_wait_minutes"]) == (3, 12)


def test_an_agency_whose_services_are_closed_says_why(api: Api, make: Factories) -> None:
    make.service(hours="closed")
    row = _agency(api)
    assert row["issuing"] is False and row["closed_reason"] == "closed"
    assert row["estimated_wait_minutes"] is None


def test_the_agency_row_combines_its_services() -> None:
    open_ = ServiceOutlook(waiting=4, service_seconds=300, open_counters=2, issuing=True)
    unstaffed = ServiceOutlook(waiting=9, service_seconds=300, open_counters=0, issuing=True)
    full = ServiceOutlook(waiting=0, service_seconds=60, open_counters=1, issuing=False,
                          closed_reason="quota_reached")
    on_break = ServiceOutlook(waiting=0, service_seconds=60, open_counters=0, issuing=False,
                              closed_reason="break")
    assert open_.wait_minutes == 10 and unstaffed.wait_minutes is None
    a = agency_outlook([open_, unstaffed, full], open_counters=2)
    assert (a.issuing, a.low, a.high, a.closed_reason) == (True, 10, 10, None)
    assert agency_outlook([full], 1).closed_reason == "quota_reached"
    assert agency_outlook([full, on_break], 1).closed_reason == "break"
    assert agency_outlook([], 0).closed_reason == "closed"


def test_the_recent_service_times_read_alike_on_sqlite_and_postgresql(any_db_url, clock) -> None:
    """The last 20 service times of every service, read in one windowed statement."""
    from datetime import date

    from mpp.services.outlook import recent_service_seconds

    from ..conftest import make_app

    app = make_app(any_db_url, clock)
    try:
        api, make = Api(app.test_client()), Factories(app)
        code = make.service()
        counter, staff = make.counter([code]), make.staff()
        assert api.post(f"/counters/{counter}/open", token=api.login(staff)).status == 200
        _serve(api, clock, staff, counter, code, [1] * 3 + [2] * 20)  # only the last 20 count
        hall = app.extensions["mpp"]
        with hall.db.read() as s:
            day: date = hall.queue.presenter(s).today
            times = recent_service_seconds(s, day)[make.service_id(code)]
        assert times == [120.0] * 20
    finally:
        app.extensions["mpp"].db.dispose()
