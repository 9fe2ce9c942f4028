"""The busy-hall day's invariant checks (support/busy_hall.py) catch what they claim to: a
correct little day passes them all, and each kind of break fails the check that owns it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from ..support import busy_hall as bh

SERVICE, COUNTER, NAME, DAY = 1, 10, "Loket R1", date(2026, 11, 23)


@dataclass
class FakeListener:
    """What a board or phone recorded, without a socket."""

    events: list[tuple[str, Any]]
    url: str = "http://server-a"
    disconnects: int = 0

    def named(self, name: str) -> list[tuple[float, Any]]:
        return [(float(i), data) for i, (n, data) in enumerate(self.events) if n == name]


@dataclass
class Day:
    record: bh.DayRecord
    log: list[bh.LogRow]
    snapshot: dict[int, tuple]  # type: ignore[type-arg]
    names: dict[int, str] = field(default_factory=lambda: {COUNTER: NAME})

    def checks(self) -> dict[str, bh.Check]:
        found = bh.checks_of(self.record, self.log, self.snapshot, self.names)
        return {c.name: c for c in found}

    def failing(self) -> list[str]:
        return [name for name, c in self.checks().items() if not c.ok]


def _ticket(tid: int, status: str, calls: int, at: int | None) -> dict[str, Any]:
    return {"id": tid, "number": f"R{tid:03d}", "status": status, "call_count": calls,
            "transfer_count": 0, "service": {"id": SERVICE},
            "counter": None if at is None else {"id": at},
            "priority": False, "priority_category": None}


# ticket 1: issued, called, started, finished; ticket 2: issued, called, recalled, no-show
HISTORY = [  # ticket, kind, from, to, counter, call_count after
    (1, "issued", None, "waiting", None, 0),
    (2, "issued", None, "waiting", None, 0),
    (1, "called", "waiting", "called", COUNTER, 1),
    (1, "started", "called", "serving", COUNTER, 1),
    (1, "finished", "serving", "done", COUNTER, 1),
    (2, "called", "waiting", "called", COUNTER, 1),
    (2, "recalled", "called", "called", COUNTER, 2),
    (2, "no_show", "called", "no_show", COUNTER, 2),
]


def good_day() -> Day:
    ledger = bh.Ledger()
    log = []
    for i, (tid, kind, before, after, at, calls) in enumerate(HISTORY, start=1):
        shown_at = at if after in ("called", "serving") else None
        ledger.add(bh.Step(kind, tid, at, float(i), 0.01, _ticket(tid, after, calls, shown_at),
                           service_id=SERVICE if kind == "issued" else None))
        log.append(bh.LogRow(i, tid, kind, before, after, at, SERVICE, {}))
    calls = [("called", {"counter": {"id": COUNTER, "name": NAME},
                         "ticket": {"id": tid, "call_count": n, "transfer_count": 0,
                                    "number": f"R{tid:03d}"},
                         "recall": kind == "recalled"})
             for tid, kind, _, _, _, n in HISTORY if kind in ("called", "recalled")]
    board = FakeListener(list(calls))
    phone = bh.Phone(2, 1, True, FakeListener([
        ("ticket", {"ticket": {"status": s, "call_count": n, "transfer_count": 0,
                               "counter": None if at is None else {"id": at}}})
        for tid, _, _, s, at, n in HISTORY if tid == 2]))
    record = bh.DayRecord(bh.Plan(tickets=2), bh.Setup({SERVICE: "R"}, [], [], []), ledger,
                          [board], [phone], 1.0, 2.0, True, 0.0)  # type: ignore[list-item]
    snapshot = {1: ("done", SERVICE, COUNTER, 1, "R001", 1, SERVICE, DAY),
                2: ("no_show", SERVICE, COUNTER, 2, "R002", 2, SERVICE, DAY)}
    return Day(record, log, snapshot)


def test_a_correct_day_passes_every_check() -> None:
    day = good_day()
    assert day.failing() == []
    assert len(day.checks()) == 8


def _twice_numbered(day: Day) -> None:
    day.snapshot[2] = day.snapshot[2][:4] + ("R001", 1) + day.snapshot[2][6:]


def _number_differs_from_api(day: Day) -> None:
    day.snapshot[2] = day.snapshot[2][:4] + ("R003",) + day.snapshot[2][5:]


def _called_while_holding(day: Day) -> None:  # ticket 2 called before ticket 1 finished
    day.log[4], day.log[5] = day.log[5], day.log[4]


def _left_otherwise(day: Day) -> None:
    day.snapshot[1] = ("serving",) + day.snapshot[1][1:]


def _step_missing_from_log(day: Day) -> None:
    del day.log[3]  # ticket 1's "started"
    for i, row in enumerate(day.log, start=1):
        row.id = i


def _board_missed_a_call(day: Day) -> None:
    day.record.boards[0].events.pop(1)  # type: ignore[attr-defined]


def _board_got_a_call_twice(day: Day) -> None:
    board = day.record.boards[0]
    board.events.append(copy.deepcopy(board.events[0]))  # type: ignore[attr-defined]


def _board_out_of_order(day: Day) -> None:
    events = day.record.boards[0].events  # type: ignore[attr-defined]
    events[0], events[1] = events[1], events[0]


def _board_disconnected(day: Day) -> None:
    day.record.boards[0].disconnects = 1  # type: ignore[attr-defined]


def _phone_missed_the_recall(day: Day) -> None:
    events = day.record.phones[0].listener.events  # type: ignore[attr-defined]
    events[:] = [e for e in events if e[1]["ticket"]["call_count"] != 2
                 or e[1]["ticket"]["status"] != "called"]


def _phone_never_saw_the_end(day: Day) -> None:
    day.record.phones[0].listener.events.pop()  # type: ignore[attr-defined]


def _a_request_failed(day: Day) -> None:
    day.record.ledger.fail("POST /tickets: 500")


def _ticket_missing_from_the_database(day: Day) -> None:
    del day.snapshot[2]


def _ticket_no_kiosk_was_answered_for(day: Day) -> None:
    day.snapshot[3] = ("waiting", SERVICE, None, 0, "R003", 3, SERVICE, DAY)


def _fewer_tickets_than_planned(day: Day) -> None:
    day.record.plan = bh.Plan(tickets=3)


def _call_without_a_counter(day: Day) -> None:
    day.log[2].counter_id = None  # ticket 1's "called"


def _priority_lost(day: Day) -> None:
    issued = next(s for s in day.record.ledger.steps[1] if s.kind == "issued")
    issued.ticket["priority"] = True


def _phone_came_in_after_the_doors_opened(day: Day) -> None:
    day.record.phones[0].listener.events.pop(0)  # type: ignore[attr-defined]


def _phone_got_a_state_never_logged(day: Day) -> None:
    day.record.phones[0].listener.events.insert(1, (  # type: ignore[attr-defined]
        "ticket", {"ticket": {"status": "serving", "call_count": 1, "transfer_count": 0,
                              "counter": {"id": COUNTER}}}))


def _phone_disconnected(day: Day) -> None:
    day.record.phones[0].listener.disconnects = 1  # type: ignore[attr-defined]


def _board_wrong_when_quiet(day: Day) -> None:
    day.record.quiet.append("board 1 showed 2 waiting for R, 0 wait")


BREAKS = {
    _a_request_failed: "no request failed",
    _ticket_missing_from_the_database: "numbering per service is exactly 1..n",
    _ticket_no_kiosk_was_answered_for: "numbering per service is exactly 1..n",
    _fewer_tickets_than_planned: "numbering per service is exactly 1..n",
    _call_without_a_counter: "no ticket held by two counters, no counter holding two tickets",
    _priority_lost: "the database event log agrees with what the API answered",
    _phone_came_in_after_the_doors_opened: "every phone saw each call of its ticket at the "
                                           "right counter",
    _phone_got_a_state_never_logged: "every phone saw each call of its ticket at the right "
                                     "counter",
    _phone_disconnected: "every phone saw each call of its ticket at the right counter",
    _board_wrong_when_quiet: "boards show the true waiting counts when the hall is quiet",
    _twice_numbered: "numbering per service is exactly 1..n",
    _number_differs_from_api: "numbering per service is exactly 1..n",
    _called_while_holding: "no ticket held by two counters, no counter holding two tickets",
    _left_otherwise: "every ticket ended (done or no-show), as the threads left it",
    _step_missing_from_log: "the database event log agrees with what the API answered",
    _board_missed_a_call: "every board got every call and recall once, in each counter's order",
    _board_got_a_call_twice: "every board got every call and recall once, in each counter's "
                             "order",
    _board_out_of_order: "every board got every call and recall once, in each counter's order",
    _board_disconnected: "every board got every call and recall once, in each counter's order",
    _phone_missed_the_recall: "every phone saw each call of its ticket at the right counter",
    _phone_never_saw_the_end: "every phone saw each call of its ticket at the right counter",
}


@pytest.mark.parametrize("break_it", list(BREAKS), ids=lambda f: f.__name__.strip("_"))
def test_each_break_fails_its_check(break_it) -> None:  # type: ignore[no-untyped-def]
    day = good_day()
    break_it(day)
    failing = day.failing()
    assert BREAKS[break_it] in failing, failing
    assert day.checks()[BREAKS[break_it]].detail  # says what broke
