"""The estimated wait a ticket shows, read through the API: people ahead × the median of the
last 20 service times of the service today (else half its published time) ÷ the counters
open for it (at least one), in minutes rounded up."""

from __future__ import annotations

import math

from ..support.api import Api
from ..support.factories import Factories


def _serve(api: Api, clock, staff: str, counter: int, code: str,  # type: ignore
           minutes: list[float]) -> None:
    """Call, and finish after the given minutes, one new ticket per entry."""
    token = api.login(staff)
    for m in minutes:
        api.issue(code)
        r = api.post(f"/counters/{counter}/call-next", token=token)
        assert r.status == 200, r.body
        clock.advance(minutes=m)
        assert api.post(f"/tickets/{r.body['ticket']['id']}/finish", token=token).status == 200


def _shown(api: Api, ticket: dict) -> tuple[int, int]:  # type: ignore[type-arg]
    t = api.get(f"/tickets/by-token/{ticket['token']}").body["ticket"]
    return t["people_ahead"], t["estimated_wait_minutes"]


def _open_counters(api: Api, code: str) -> int:
    return next(s["open_counters"] for s in api.get("/services").body["services"]
                if s["code"] == code)


def _open(api: Api, staff: str, counter: int) -> None:
    assert api.post(f"/counters/{counter}/open", token=api.login(staff)).status == 200


def test_before_any_ticket_is_finished_half_the_published_time_is_assumed(api, make):
    code = make.service(sla_minutes=30)
    make.counter([code])
    tickets = [api.issue(code) for _ in range(3)]
    assert _open_counters(api, code) == 0  # none open yet: one counter is assumed
    assert _shown(api, tickets[2]) == (2, math.ceil(2 * 30 / 2))


def test_the_median_of_the_last_twenty_service_times_divided_by_the_open_counters(
        api, clock, make: Factories):
    code = make.service(sla_minutes=30)
    first, second = make.counter([code]), make.counter([code])
    staff = make.staff()
    _open(api, staff, first)
    # 11 long services, then 10 short: the last 20 hold 10 of each, median (10+2)/2 = 6
    # minutes; all 21 would give 10, the first 20 would give 10
    _serve(api, clock, staff, first, code, [10] * 11 + [2] * 10)
    waiting = [api.issue(code) for _ in range(5)]
    assert _open_counters(api, code) == 1
    assert _shown(api, waiting[4]) == (4, 4 * 6)
    _open(api, make.staff(), second)
    assert _open_counters(api, code) == 2
    assert _shown(api, waiting[4]) == (4, 4 * 6 // 2)
    assert _shown(api, waiting[1]) == (1, math.ceil(1 * 6 / 2))
    assert _shown(api, waiting[0]) == (0, 0)
