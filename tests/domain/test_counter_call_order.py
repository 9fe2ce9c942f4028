"""A counter's whole call order is choose_next applied again and again (issue 12: the
console's waiting list must show who comes next, priority tickets where they come)."""

from datetime import UTC, datetime, timedelta

from mpp.domain.queue_order import (
    NO_PRIORITY_YET,
    Candidate,
    ServiceQueue,
    ServiceWaiting,
    call_order,
    choose_next,
    counter_call_order,
    next_regular_since_priority,
)

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def cand(i: int, minute: int, priority: bool = False, service: int = 1) -> Candidate:
    return Candidate(i, service, T0 + timedelta(minutes=minute), priority)


def test_a_late_priority_ticket_comes_first_when_it_is_due():
    tickets = (cand(1, 1), cand(2, 2), cand(3, 3), cand(4, 4), cand(5, 5, priority=True))
    order = counter_call_order([ServiceWaiting(1, tickets, 2, NO_PRIORITY_YET)])
    assert [c.ticket_id for c in order] == [5, 1, 2, 3, 4]


def test_one_service_gives_the_service_call_order():
    tickets = (cand(1, 1), cand(2, 2, True), cand(3, 3), cand(4, 4, True), cand(5, 5),
               cand(6, 6), cand(7, 7, True))
    for state in (0, 1, 2, NO_PRIORITY_YET):
        assert counter_call_order([ServiceWaiting(1, tickets, 2, state)], state) == \
            call_order(tickets, 2, state)


def _drain(lanes: list[ServiceWaiting], counter_state: int) -> list[int]:
    """Call one ticket at a time with choose_next, as the counter does."""
    waiting = {sw.service_id: list(sw.waiting) for sw in lanes}
    states = {sw.service_id: sw.regular_since_priority for sw in lanes}
    ratios = {sw.service_id: sw.regular_per_priority for sw in lanes}
    called = []
    while True:
        queues = []
        for sid, tickets in waiting.items():
            def oldest(prio: bool, ts: list[Candidate] = tickets) -> Candidate | None:
                return min((c for c in ts if c.priority == prio), default=None,
                           key=lambda c: (c.issued_at, c.ticket_id))
            queues.append(ServiceQueue(sid, oldest(False), oldest(True), ratios[sid],
                                       states[sid]))
        chosen = choose_next(queues, counter_state)
        if chosen is None:
            return called
        called.append(chosen.ticket_id)
        waiting[chosen.service_id].remove(chosen)
        states[chosen.service_id] = next_regular_since_priority(states[chosen.service_id],
                                                                chosen)
        counter_state = next_regular_since_priority(counter_state, chosen)


def test_two_services_at_one_counter_follow_the_rule_call_by_call():
    ktp = (cand(1, 1, service=1), cand(2, 2, True, 1), cand(3, 4, service=1),
           cand(4, 9, True, 1), cand(5, 10, True, 1))
    kk = (cand(11, 3, service=2), cand(12, 5, service=2), cand(13, 6, True, 2),
          cand(14, 7, service=2), cand(15, 8, service=2))
    for ratios in ((2, 2), (0, 3), (1, 2)):
        for counter_state in (0, 1, NO_PRIORITY_YET):
            lanes = [ServiceWaiting(1, ktp, ratios[0], counter_state),
                     ServiceWaiting(2, kk, ratios[1], NO_PRIORITY_YET)]
            assert [c.ticket_id for c in counter_call_order(lanes, counter_state)] == \
                _drain(lanes, counter_state)
