"""A full hall on one server process (the embedded SQLite default): more live sockets than
any thread or connection setting would hold, and the hall keeps working.

500 citizens' status pages (one per waiting ticket, over five services of four agencies) and
20 display boards stay connected while kiosks issue and counters call. Kiosks must be
answered within 250 ms, every board must hear every call, each called citizen's page must
hear its call, and every page still waiting must end on its exact place in the call order:
the place it read on connecting, as the queue feed's messages moved it since (one message per
room of a service, not one read per page; a round that moves no page is not sent).
bench/full_hall.py runs the same hall larger and prints its timings.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..support import databases
from ..support.api import Api
from ..support.crowd import Crowd, Screen, Seen
from ..support.live import LiveServer

SERVICES = ["KTP", "KK", "SKCK", "JKN", "NIB"]
PAGES, BOARDS, ISSUES, ROUNDS = 500, 20, 20, 5
COUNTERS = [("dukcapil1", "Loket 1", "DUKCAPIL"), ("polresta1", "Loket 8", "POLRESTA"),
            ("bpjs1", "Loket 9", "BPJSKES")]


@pytest.fixture
def server(_sqlite_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    server = LiveServer(databases.sqlite_copy(_sqlite_template, tmp_path), tmp_path / "live",
                        extra_env={"MPP_LOGIN_RATE_LIMIT": "1000 per minute"}).start()
    yield server
    server.stop(wait=False)


def _issue(hall: Api, sids: dict[str, int], code: str) -> tuple[dict, float]:
    start = time.monotonic()
    r = hall.post("/tickets", {"service_id": sids[code]}, token=hall.device_token())
    took = time.monotonic() - start
    assert r.status == 201, r.text
    return r.body["ticket"], took


@pytest.mark.alone  # kiosks answered within 250 ms: no other test's load beside it
def test_a_full_hall_of_live_screens_leaves_kiosks_fast_and_every_board_hearing_every_call(
        server: LiveServer):
    hall = Api(server.url, timeout=30)
    sids = {code: hall.service_id(code) for code in SERVICES}
    with ThreadPoolExecutor(4) as pool:
        waiting = [t for t, _ in pool.map(lambda i: _issue(hall, sids, SERVICES[i % 5]),
                                          range(PAGES))]
    display = hall.device_token("display-1")
    screens = [Screen("page", server.url, {"ticket_token": t["token"]}, t["number"])
               for t in waiting]
    screens += [Screen("board", server.url, {"token": display}, f"board-{i}")
                for i in range(BOARDS)]
    counters = [hall.open_counter(user, name, agency) for user, name, agency in COUNTERS]
    with Crowd(screens) as crowd:
        seen = crowd.report()
        failed = [s.error for s in seen if s.connected_at is None]
        assert not failed, f"{len(failed)} screens could not connect: {failed[:3]}"
        # more sockets are open now than a threaded server of 200 threads could hold
        assert len(screens) > 500

        # kiosks keep issuing while the hall is full
        took = [_issue(hall, sids, SERVICES[i % 5])[1] for i in range(ISSUES)]
        assert max(took) <= 0.25, f"kiosk answers (s): {sorted(took)}"

        called: list[str] = []
        for _ in range(ROUNDS):
            for (user, _name, _agency), cid in zip(COUNTERS, counters, strict=True):
                ticket = hall.call_next(user, cid)
                called.append(ticket["number"])
                hall.act(user, ticket["id"], "finish")

        by_number = {t["number"]: t for t in waiting}
        deadline = time.monotonic() + 15
        while True:
            seen = crowd.report()
            boards = [s for s in seen if s.screen.kind == "board"]
            pages = {s.screen.key: s for s in seen if s.screen.kind == "page"}
            missing = [(b.screen.key, n) for b in boards for n in called
                       if n not in {c[1] for c in b.calls}]
            unheard = [n for n in called if n in pages
                       and not any(st == "called" for _, st, _ in pages[n].tickets)]
            if not missing and not unheard or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert not missing, f"boards missed calls: {missing[:5]}"
        assert not unheard, f"status pages never heard their call: {unheard}"

        # every page still waiting ends on its exact place, as the server counts it (the
        # queue feed's settling round follows the last change)
        sample = [n for n in by_number if n not in called][::10]
        truth = {n: hall.ticket(by_number[n]["token"]) for n in sample}
        assert all(t["status"] == "waiting" for t in truth.values())

        def shown(page: Seen, ticket_id: int) -> int | None:
            """The place the page shows: from its latest `ticket` event or `queue` message
            (status.js applies both; a round that changes no place is not sent)."""
            places = [(t, ahead) for t, _status, ahead in page.tickets]
            places += [(t, q["order"].index(ticket_id)) for t, q in page.queues
                       if q is not None and ticket_id in q["order"]]
            return max(places)[1] if places else None

        def wrong() -> list[str]:
            pages = {s.screen.key: s for s in crowd.report() if s.screen.kind == "page"}
            return [n for n in sample
                    if shown(pages[n], truth[n]["id"]) != truth[n]["people_ahead"]]

        deadline = time.monotonic() + 15
        while wrong() and time.monotonic() < deadline:
            time.sleep(0.2)
        pages = {s.screen.key: s for s in crowd.report() if s.screen.kind == "page"}
        assert not wrong(), "pages not on their exact place: " + ", ".join(
            f"{n} shows {shown(pages[n], truth[n]['id'])}, is {truth[n]['people_ahead']} "
            f"(tickets {pages[n].tickets}, {len(pages[n].queues)} queue messages)"
            for n in wrong())
