"""Queue order: oldest first, priority ahead within a ratio, never starving anyone."""

from datetime import UTC, datetime, timedelta

from mpp.domain.queue_order import (
    Candidate,
    ServiceQueue,
    call_order,
    choose_next,
    counter_rule_state,
    next_regular_since_priority,
)

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def cand(i: int, minute: int, priority: bool = False, service: int = 1) -> Candidate:
    return Candidate(i, service, T0 + timedelta(minutes=minute), priority)


def drain(tickets: list[Candidate], ratio: int, state: int = 1000) -> list[int]:
    """Call every ticket of one service in turn; returns the order of ticket ids."""
    waiting = list(tickets)
    order = []
    while waiting:
        reg = min((c for c in waiting if not c.priority), default=None,
                  key=lambda c: (c.issued_at, c.ticket_id))
        pri = min((c for c in waiting if c.priority), default=None,
                  key=lambda c: (c.issued_at, c.ticket_id))
        chosen = choose_next([ServiceQueue(1, reg, pri, ratio, state)])
        assert chosen is not None
        state = next_regular_since_priority(state, chosen)
        waiting.remove(chosen)
        order.append(chosen.ticket_id)
    return order


def test_oldest_first_without_priority():
    tickets = [cand(3, 5), cand(1, 1), cand(2, 3)]
    assert drain(tickets, ratio=2) == [1, 2, 3]


def test_priority_goes_first_then_two_regular_per_priority():
    regular = [cand(i, i) for i in range(1, 7)]          # issued at minutes 1..6
    priority = [cand(100 + i, 10 + i, True) for i in range(3)]  # issued later
    order = drain(regular + priority, ratio=2)
    assert order == [100, 1, 2, 101, 3, 4, 102, 5, 6]


def test_ratio_zero_means_priority_always_first():
    order = drain([cand(1, 1), cand(2, 2), cand(10, 5, True), cand(11, 6, True)], ratio=0)
    assert order == [10, 11, 1, 2]


def test_priority_stream_never_starves_regular_tickets():
    regular = [cand(1, 0)]
    priority = [cand(100 + i, 1 + i, True) for i in range(50)]
    order = drain(regular + priority, ratio=1)
    assert order.index(1) <= 1  # the regular citizen goes within the first two calls


def test_across_services_a_priority_head_goes_before_regular_heads():
    a = ServiceQueue(1, cand(1, 1, service=1), None, 2, 1000)
    b = ServiceQueue(2, cand(2, 0, service=2), cand(3, 9, True, service=2), 2, 1000)
    assert choose_next([a, b]).ticket_id == 3


def test_across_services_the_oldest_head_goes_first():
    a = ServiceQueue(1, cand(1, 5, service=1), None, 2, 1000)
    b = ServiceQueue(2, cand(2, 2, service=2), None, 2, 1000)
    assert choose_next([a, b]).ticket_id == 2


def test_nothing_waiting_gives_none():
    assert choose_next([ServiceQueue(1, None, None, 2, 0)]) is None


def test_call_order_follows_what_counters_will_do():
    """The predicted order equals the order in which call-next really takes the tickets."""
    regular = [cand(i, i) for i in range(1, 8)]
    priority = [cand(100 + i, 3 + 2 * i, True) for i in range(3)]
    waiting = regular + priority
    for state in (0, 1, 2, 1000):
        predicted = [c.ticket_id for c in call_order(waiting, 2, state)]
        assert predicted == drain(waiting, ratio=2, state=state)


def test_call_order_with_priority_first_rule():
    waiting = [cand(1, 1), cand(2, 2), cand(10, 5, True)]
    assert [c.ticket_id for c in call_order(waiting, 0, 0)] == [10, 1, 2]


def drain_counter(tickets: list[Candidate], ratios: dict[int, int]) -> list[int]:
    """One counter serving several services calls every ticket; the per-service states and
    the counter's own state evolve as call-next makes them."""
    waiting = list(tickets)
    states = dict.fromkeys(ratios, 1000)
    calls: list[bool] = []  # was each call a priority one, oldest first
    order = []
    while waiting:
        queues = []
        for sid, ratio in ratios.items():
            mine = [c for c in waiting if c.service_id == sid]
            reg = min((c for c in mine if not c.priority), default=None,
                      key=lambda c: (c.issued_at, c.ticket_id))
            pri = min((c for c in mine if c.priority), default=None,
                      key=lambda c: (c.issued_at, c.ticket_id))
            queues.append(ServiceQueue(sid, reg, pri, ratio, states[sid]))
        chosen = choose_next(queues, counter_rule_state(reversed(calls[-max(ratios.values()):])))
        assert chosen is not None
        states[chosen.service_id] = next_regular_since_priority(states[chosen.service_id],
                                                                chosen)
        calls.append(chosen.priority)
        waiting.remove(chosen)
        order.append(chosen.ticket_id)
    return order


def test_priority_stream_of_one_service_never_starves_another_services_regulars():
    """Service 2 has only priority tickets: they have no regular of their own to wait for,
    but at a counter shared with service 1 they still take turns at the ratio."""
    regular = [cand(i, i, service=1) for i in range(1, 7)]
    priority = [cand(100 + i, 10 + i, True, service=2) for i in range(3)]
    order = drain_counter(regular + priority, {1: 2, 2: 2})
    assert order == [100, 1, 2, 101, 3, 4, 102, 5, 6]


def test_a_priority_not_due_at_the_counter_still_goes_oldest_first():
    """Held back by the ratio, a priority ticket is never called later than plain
    oldest-first would call it."""
    early_priority = cand(100, 0, True, service=2)
    later = [cand(i, i, service=1) for i in range(1, 4)]
    a = ServiceQueue(1, later[0], None, 2, 1000)
    b = ServiceQueue(2, None, early_priority, 2, 0)
    assert choose_next([a, b], counter_regular_since_priority=0) == early_priority


def test_counter_rule_state_counts_regular_calls_since_the_last_priority_call():
    assert counter_rule_state([False, False, True, False]) == 2
    assert counter_rule_state([True]) == 0
    assert counter_rule_state([False, False]) == 1000  # no priority call in the window
    assert counter_rule_state([]) == 1000
