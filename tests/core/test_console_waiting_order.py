"""The console's waiting list is the exact order call-next will take (issue 12)."""

from __future__ import annotations


def test_the_waiting_list_is_the_order_call_next_takes_across_services(api, clock):
    issued = []
    for code, priority in (("KTP", False), ("KK", False), ("KTP", False), ("KTP", True),
                           ("KK", False), ("KK", True), ("KTP", False), ("KTP", True)):
        issued.append(api.issue(code, priority=priority))
        clock.advance(minutes=1)
    cid = api.open_counter("dukcapil2", "Loket 2")          # KTP and KK
    token = api.login("dukcapil2")
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
