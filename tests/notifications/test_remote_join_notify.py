"""A remote ticket's holder is told near and called like any citizen with a phone (issue 10),
against a real local HTTP receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from ..support.api import Api
from ..support.factories import Factories
from .conftest import configure


def test_a_remote_ticket_is_told_near_and_called(any_app, receiver):
    configure(any_app, receiver.url, ahead=1)
    api = Api(any_app.test_client())
    make = Factories(any_app)
    code = make.service(remote_join=True)
    sid, counter, staff = make.service_id(code), make.counter([code]), make.staff()
    kiosk = api.device_token()
    first = api.post("/tickets", {"service_id": sid}, token=kiosk).body["ticket"]
    api.post("/tickets", {"service_id": sid}, token=kiosk)
    joined = api.post("/tickets/remote", {"service_id": sid, "phone": "0813 7777 8888"})
    assert joined.status == 201
    box = any_app.extensions["mpp_outbox"]
    assert box.scan() == 0  # two ahead
    token = api.login(staff)
    api.post(f"/counters/{counter}/open", token=token)
    assert api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]["id"] == \
        first["id"]
    assert box.scan() == 1  # one ahead: ticket.near, checked in or not
    api.post(f"/tickets/{first['id']}/finish", token=token)
    assert api.post("/bookings/check-in", {"code": joined.body["remote"]["code"]},
                    token=kiosk).status == 201
    second = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    api.post(f"/tickets/{second['id']}/finish", token=token)
    mine = api.post(f"/counters/{counter}/call-next", token=token).body["ticket"]
    assert mine["id"] == joined.body["ticket"]["id"]
    assert box.scan() == 1 and box.scan() == 0  # ticket.called, once
    box.deliver_due()
    events = [json.loads(p.body) for p in receiver.wait_for(2)]
    assert [e["event"] for e in events] == ["ticket.near", "ticket.called"]
    assert all(e["phone"] == "0813 7777 8888" for e in events)
    assert events[1]["ticket"]["number"] == mine["number"]
