"""The console's waiting list is the exact order call-next will take (issue 12), at a counter
of the test's own serving two services of its own (support/factories.py)."""

from __future__ import annotations


def test_the_waiting_list_is_the_order_call_next_takes_across_services(api, make, clock):
    a, b = make.service(), make.service()
    counter = make.counter_name(make.counter([a, b]))
    clerk = make.staff()
    issued = []
    for code, priority in ((a, False), (b, False), (a, False), (a, True),
                           (b, False), (b, True), (a, False), (a, True)):
        issued.append(api.issue(code, priority=priority))
        clock.advance(minutes=1)
    cid = api.open_counter(clerk, counter)
    token = api.login(clerk)
    view = api.get(f"/counters/{cid}/queue", token=token).body
    listed = [t["number"] for t in view["waiting"]]
    assert [t["position"] for t in view["waiting"]] == list(range(len(issued)))
    # a priority ticket issued fourth is the first the counter calls
    assert listed[0] == issued[3]["number"]
    called = []
    while True:
        r = api.post(f"/counters/{cid}/call-next", token=token)
        if r.body["ticket"] is None:
            break
        called.append(r.body["ticket"]["number"])
        # the list, read again before each call, always starts with the one called next
        api.post(f"/tickets/{r.body['ticket']['id']}/finish", token=token)
        rest = [t["number"] for t in api.get(f"/counters/{cid}/queue",
                                             token=token).body["waiting"]]
        assert rest == listed[len(called):]
    assert called == listed
