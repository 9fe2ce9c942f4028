"""The hall's waiting counts settle on the truth after concurrent changes (SettlingPublisher);
the end-to-end case is in tests/live/test_busy_hall.py."""

from __future__ import annotations

from typing import Any

from mpp.events import CALLED, HALL, QUEUE, TICKET, Event, MemoryPublisher, SettlingPublisher


class Recount:
    """The counts as committed now, and how often they were read."""

    def __init__(self, counts: dict[str, Any]):
        self.counts = counts
        self.reads = 0

    def __call__(self) -> dict[str, Any]:
        self.reads += 1
        return self.counts


def test_counts_two_changes_sent_one_short_are_sent_again_as_read_after_them():
    inner, recount = MemoryPublisher(), Recount({"services": [{"service_id": 1, "waiting": 2}]})
    pub = SettlingPublisher(inner, recount, delay=0.01)
    # each change counted inside its own transaction, missing the other's ticket
    stale = {"services": [{"service_id": 1, "waiting": 1}]}
    pub.publish([Event(QUEUE, HALL, stale)])
    pub.publish([Event(QUEUE, HALL, stale)])
    assert pub.idle.wait(timeout=10)
    assert inner.named(QUEUE)[-1] == Event(QUEUE, HALL, recount.counts)
    assert len(inner.named(QUEUE)) == 3
    assert recount.reads == 1


def test_a_lone_change_whose_counts_were_right_sends_nothing_more():
    counts = {"services": [{"service_id": 1, "waiting": 1}]}
    inner, recount = MemoryPublisher(), Recount(counts)
    pub = SettlingPublisher(inner, recount, delay=0.01)
    pub.publish([Event(QUEUE, HALL, counts), Event("ticket", TICKET, {}, "ticket:x")])
    assert pub.idle.wait(timeout=10)
    assert recount.reads == 1
    assert inner.events == [Event(QUEUE, HALL, counts), Event("ticket", TICKET, {}, "ticket:x")]


def test_events_without_hall_counts_start_no_recount():
    inner, recount = MemoryPublisher(), Recount({})
    pub = SettlingPublisher(inner, recount, delay=0.01)
    pub.publish([Event(CALLED, HALL, {"ticket": {}}),
                 Event(QUEUE, TICKET, {"service_id": 1, "waiting": 3}, "service:1")])
    assert pub.idle.is_set()
    assert recount.reads == 0
    assert len(inner.events) == 2
