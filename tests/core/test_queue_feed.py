"""The queue feed (mpp.queue_feed): changes are sent in coalesced rounds, one read and one
message per service room however many changes and pages; nothing is sent that no page would
show; the last round is read after the last change; a service's message carries its exact
call order (the priority rule applied)."""

from __future__ import annotations

import threading

from mpp.events import HALL, QUEUE, TICKET, Event
from mpp.queue_feed import SHARDS, FeedRound, QueueFeed, service_room, unchanged_for_pages

from ..support.api import Api


class Reader:
    """A stand-in database read that counts the rounds and returns ``value`` as it is now."""

    def __init__(self) -> None:
        self.value = 0
        self.rounds: list[set[int]] = []
        self.lock = threading.Lock()

    def __call__(self, services: set[int], hall: bool) -> FeedRound:
        with self.lock:
            self.rounds.append(set(services))
            return FeedRound({"n": self.value} if hall else None,
                             {sid: {"service_id": sid, "order": [], "n": self.value}
                              for sid in services})


def test_many_changes_at_once_cost_one_read_and_one_message_per_service():
    sent: list[Event] = []
    read = Reader()
    feed = QueueFeed(sent.extend, read, interval=0.2, settle=0.05)
    for i in range(200):  # two hundred kiosks and counters at one moment
        feed.touch({1 + i % 3})
    assert feed.idle.wait(5)
    # the coalesced round, then the settling round, each reading the hall counts and then
    # each service on its own: nothing per change
    assert read.rounds == [set(), {1}, {2}, {3}] * 2
    # one message per room of each service; the settling round read the same: not sent again
    assert [e.room for e in sent if e.namespace == TICKET] == [
        service_room(s, k) for s in (1, 2, 3) for k in range(SHARDS)]
    assert [e for e in sent if e.namespace == HALL] == [Event(QUEUE, HALL, {"n": 0})]


def test_the_last_round_is_read_after_the_last_change():
    """A change on another process (or committed while a round was being read) is in the
    settling round, so no page stays on a stale order."""
    sent: list[Event] = []
    read = Reader()
    feed = QueueFeed(sent.extend, read, interval=0.01, settle=0.1)
    feed.touch({7})
    read.value = 1  # committed elsewhere after this process's change was read
    assert feed.idle.wait(5)
    fresh = {"service_id": 7, "order": [], "n": 1}
    assert sent[-1] == Event(QUEUE, TICKET, fresh, service_room(7, SHARDS - 1))
    assert {e.room for e in sent if e.data == fresh} == {
        service_room(7, k) for k in range(SHARDS)}


def feed(order: list[int], typical: float = 300, open_counters: int = 2) -> dict:
    return {"service_id": 1, "waiting": len(order), "order": order,
            "typical_service_seconds": typical, "open_counters": open_counters}


def test_a_message_is_skipped_only_when_no_page_would_show_anything_new():
    last = feed([5, 3, 9])
    assert not unchanged_for_pages(None, last)
    # a regular ticket issued: every page already shown keeps its place and estimate
    assert unchanged_for_pages(last, feed([5, 3, 9, 12]))
    assert unchanged_for_pages(last, feed([5, 3, 9]))
    # a call (the head left), a priority ticket put ahead, a ticket moved: places change
    assert not unchanged_for_pages(last, feed([3, 9]))
    assert not unchanged_for_pages(last, feed([5, 12, 3, 9]))
    assert not unchanged_for_pages(last, feed([5, 9, 3]))
    # the estimate's facts changed
    assert not unchanged_for_pages(last, feed([5, 3, 9], typical=240))
    assert not unchanged_for_pages(last, feed([5, 3, 9], open_counters=3))
    assert not unchanged_for_pages(last, {**feed([5, 3, 9]), "new_fact": 1})


def test_a_round_that_changes_no_place_sends_nothing_to_pages_but_the_hall_counts():
    sent: list[Event] = []
    orders = iter([[1, 2], [1, 2, 3], [2, 3]])
    order: list[list[int]] = []

    def read(services: set[int], hall: bool) -> FeedRound:
        if hall:  # each round reads the hall first: the next state
            order.append(next(orders))
            return FeedRound({"waiting": len(order[-1])}, {})
        return FeedRound(None, {7: feed(order[-1])})

    # no background round: each change is read and sent by flush()
    queue = QueueFeed(sent.extend, read, spawn=lambda _fn: None)
    for _ in range(3):
        queue.touch({7})
        queue.flush()
    pages = [e.data["order"] for e in sent if e.namespace == TICKET]
    # [1, 2] to every room; [1, 2, 3] only appended a ticket: not sent; [2, 3] moved them up
    assert pages == [[1, 2]] * SHARDS + [[2, 3]] * SHARDS
    assert [e.data for e in sent if e.namespace == HALL] == [{"waiting": n} for n in (2, 3, 2)]


def test_a_failed_read_is_logged_and_the_feed_goes_on(caplog):
    calls = []

    def read(services: set[int], hall: bool) -> FeedRound:
        calls.append(services)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return FeedRound({}, {})

    sent: list[Event] = []
    feed = QueueFeed(sent.extend, read, interval=0.01, settle=0.01)
    feed.touch({1})
    assert feed.idle.wait(5)
    assert "could not read the queue feed" in caplog.text
    # the settling round read again: the hall counts, then the service
    assert calls == [set(), set(), {1}] and sent == [Event(QUEUE, HALL, {})]


def test_a_service_message_carries_the_exact_call_order_with_priority(app, events, make):
    """Status pages take their place from ``order``: it must be the order the counter will
    call, priority tickets where the ratio puts them (2 regular per priority)."""
    api = Api(app.test_client())
    code = make.service(prefix="Q", regular_per_priority=2, priority_enabled=True)
    # the last ticket is a priority one put ahead of a regular one, so the last round always
    # changes places and is sent (a regular ticket only appended would not be)
    issued = [api.issue(code, priority=p) for p in (False, False, False, True, False, True)]
    feed = app.extensions["mpp"].queue.feed
    assert feed.idle.wait(5)
    sid = issued[0]["service"]["id"]
    last = [e for e in events.named(QUEUE) if e.room == service_room(sid, 0)][-1]
    n = {t["id"]: t["number"] for t in issued}
    # no priority call yet today: the oldest priority ticket goes first, then the ratio
    assert [n[i] for i in last.data["order"]] == ["Q004", "Q001", "Q002", "Q006", "Q003",
                                                   "Q005"]
    assert last.data["waiting"] == 6 and last.data["open_counters"] == 0
    assert last.data["typical_service_seconds"] > 0
    # each ticket's own people_ahead (as the API reads it) is its index in that order
    for t in issued:
        ahead = api.get(f"/tickets/by-token/{t['token']}").body["ticket"]["people_ahead"]
        assert last.data["order"].index(t["id"]) == ahead


def test_the_feed_message_reaches_the_pages_of_that_service_only(app, events, make):
    api = Api(app.test_client())
    # priority tickets: a regular one only appended moves no page and sends nothing to them
    kk = api.issue(make.service(), priority=True)
    api.issue(make.service(), priority=True)
    assert app.extensions["mpp"].queue.feed.idle.wait(5)
    kk_rooms = {service_room(kk["service"]["id"], k) for k in range(SHARDS)}
    kk_messages = [e for e in events.named(QUEUE) if e.room in kk_rooms]
    assert {e.room for e in kk_messages} == kk_rooms
    assert all(e.data["order"] == [kk["id"]] for e in kk_messages)


def test_regular_tickets_issued_at_the_end_read_and_send_only_the_hall_counts(app, events,
                                                                            make):
    """About half of a busy hall's changes are such issues: no page moves (each keeps its
    place; a new ticket's page reads its own when it connects), so the service's order is
    not read for them; the boards' counts still change."""
    api = Api(app.test_client())
    code = make.service(prefix="Q", priority_enabled=True)
    issued = [api.issue(code) for _ in range(3)]
    feed = app.extensions["mpp"].queue.feed
    assert feed.idle.wait(5)
    sid = issued[0]["service"]["id"]
    rooms = {service_room(sid, k) for k in range(SHARDS)}
    assert [e for e in events.named(QUEUE) if e.room in rooms] == []
    counts = [e for e in events.named(QUEUE) if e.namespace == HALL][-1].data
    assert next(r for r in counts["services"] if r["service_id"] == sid)["waiting"] == 3
    # a priority ticket is put ahead of them: every page of the service hears the new order
    first = api.issue(code, priority=True)
    assert feed.idle.wait(5)
    last = [e for e in events.named(QUEUE) if e.room == service_room(sid, 0)][-1]
    assert last.data["order"] == [first["id"]] + [t["id"] for t in issued]


def test_closing_lets_a_round_in_progress_end_and_reads_nothing_after():
    """What a test's app (or a command's) does before its database goes: no background
    round reads a database that is no longer there."""
    sent: list[Event] = []
    read = Reader()
    reading, release = threading.Event(), threading.Event()

    def slow_read(services: set[int], hall: bool) -> FeedRound:
        reading.set()
        release.wait(5)
        return read(services, hall)

    feed = QueueFeed(sent.extend, slow_read, interval=0.01, settle=10)
    feed.touch({1})
    assert reading.wait(5)  # the round is being read
    closed = threading.Thread(target=feed.close)
    closed.start()
    closed.join(0.2)
    assert closed.is_alive()  # close waits for the round in progress
    release.set()
    closed.join(5)
    assert not closed.is_alive()
    rounds = len(read.rounds)
    feed.touch({2})  # nothing more after close, nor the settling round still due
    assert feed.idle.wait(5)
    assert len(read.rounds) == rounds
    assert all(e.data.get("service_id") != 2 for e in sent)
