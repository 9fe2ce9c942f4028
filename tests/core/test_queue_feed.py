"""The queue feed (mpp.queue_feed): changes are sent in coalesced rounds, one read and one
message per service however many changes and pages; the last round is read after the last
change; a service's message carries its exact call order (the priority rule applied)."""

from __future__ import annotations

import threading

from mpp.events import HALL, QUEUE, TICKET, Event
from mpp.queue_feed import FeedRound, QueueFeed, service_room

from ..support.api import Api


class Reader:
    """A stand-in database read that counts the rounds and returns ``value`` as it is now."""

    def __init__(self) -> None:
        self.value = 0
        self.rounds: list[set[int]] = []
        self.lock = threading.Lock()

    def __call__(self, services: set[int]) -> FeedRound:
        with self.lock:
            self.rounds.append(set(services))
            return FeedRound({"n": self.value},
                             {sid: {"service_id": sid, "n": self.value} for sid in services})


def test_many_changes_at_once_cost_one_read_and_one_message_per_service():
    sent: list[Event] = []
    read = Reader()
    feed = QueueFeed(sent.extend, read, interval=0.2, settle=0.05)
    for i in range(200):  # two hundred kiosks and counters at one moment
        feed.touch({1 + i % 3})
    assert feed.idle.wait(5)
    first = read.rounds[0]
    assert first == {1, 2, 3}
    # the coalesced round, then the settling round: nothing per change
    assert len(read.rounds) == 2
    assert [e.room for e in sent if e.namespace == TICKET] == [service_room(s) for s in
                                                              (1, 2, 3, 1, 2, 3)]
    assert [e for e in sent if e.namespace == HALL] == [Event(QUEUE, HALL, {"n": 0})] * 2


def test_the_last_round_is_read_after_the_last_change():
    """A change on another process (or committed while a round was being read) is in the
    settling round, so no page stays on a stale order."""
    sent: list[Event] = []
    read = Reader()
    feed = QueueFeed(sent.extend, read, interval=0.01, settle=0.1)
    feed.touch({7})
    read.value = 1  # committed elsewhere after this process's change was read
    assert feed.idle.wait(5)
    assert sent[-1] == Event(QUEUE, TICKET, {"service_id": 7, "n": 1}, service_room(7))


def test_a_failed_read_is_logged_and_the_feed_goes_on(caplog):
    calls = []

    def read(services: set[int]) -> FeedRound:
        calls.append(services)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return FeedRound({}, {})

    sent: list[Event] = []
    feed = QueueFeed(sent.extend, read, interval=0.01, settle=0.01)
    feed.touch({1})
    assert feed.idle.wait(5)
    assert "could not read the queue feed" in caplog.text
    assert len(calls) == 2 and sent == [Event(QUEUE, HALL, {})]


def test_a_service_message_carries_the_exact_call_order_with_priority(app, events):
    """Status pages take their place from ``order``: it must be the order the counter will
    call, priority tickets where the ratio puts them (KK: 2 regular per priority)."""
    api = Api(app.test_client())
    issued = [api.issue("KK", priority=p) for p in (False, False, False, True, True, False)]
    feed = app.extensions["mpp"].queue.feed
    assert feed.idle.wait(5)
    sid = issued[0]["service"]["id"]
    last = [e for e in events.named(QUEUE) if e.room == service_room(sid)][-1]
    n = {t["id"]: t["number"] for t in issued}
    # no priority call yet today: the oldest priority ticket goes first, then the ratio
    assert [n[i] for i in last.data["order"]] == ["B004", "B001", "B002", "B005", "B003",
                                                   "B006"]
    assert last.data["waiting"] == 6 and last.data["open_counters"] == 0
    assert last.data["typical_service_seconds"] > 0
    # each ticket's own people_ahead (as the API reads it) is its index in that order
    for t in issued:
        ahead = api.get(f"/tickets/by-token/{t['token']}").body["ticket"]["people_ahead"]
        assert last.data["order"].index(t["id"]) == ahead


def test_the_feed_message_reaches_the_pages_of_that_service_only(app, events):
    api = Api(app.test_client())
    kk = api.issue("KK")
    api.issue("AKTA")
    assert app.extensions["mpp"].queue.feed.idle.wait(5)
    kk_messages = [e for e in events.named(QUEUE) if e.room == service_room(kk["service"]["id"])]
    assert kk_messages and all(e.data["order"] == [kk["id"]] for e in kk_messages)
