"""A ticket's token is its holder's key (status page, survey, complaint). It reaches only the
answer to the POST that issued it, the ticket's own /ticket sockets, the print job and the
rating tablet registered to the counter that finished it; every other listener — the hall
snapshot and events, GET /queue, staff and manager answers — gets it as null. The hall's
tickets are for a service of the test's own (support/factories.py); the rating tablets'
tests use the demo's tablets, registered to its counters."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from mpp.extensions import socketio
from mpp.models import SurveyResponse

from ..support.factories import Desk
from ..support.sessions import post_form, sign_in


@pytest.fixture
def desk(make) -> Desk:
    """A service of the test's own, its counter and clerk."""
    return make.desk()


def _hall_with_calls(api, desk: Desk) -> list[dict]:  # type: ignore[no-untyped-def]
    tickets = [api.issue(desk.code) for _ in range(3)]
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    first = api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]
    api.post(f"/tickets/{first['id']}/finish", token=staff)
    api.post(f"/counters/{cid}/call-next", token=staff)  # held now, and both in recent calls
    return tickets


def _leaks(data, tickets) -> list[str]:  # type: ignore[no-untyped-def]
    text = json.dumps(data)
    return [t["number"] for t in tickets if t["token"] in text]


def test_the_issuer_gets_the_token(api, desk):
    ticket = api.issue(desk.code)
    assert ticket["token"] and ticket["status_url"].endswith(ticket["token"])


@pytest.mark.parametrize("who", [None, "display-1", "kiosk-1", "tablet-1", "clerk",
                                 "manajer", "admin"])
def test_no_caller_gets_tokens_from_the_hall_snapshot(api, desk, who):
    tickets = _hall_with_calls(api, desk)
    who = desk.staff if who == "clerk" else who
    token = None if who is None else (api.device_token(who) if who[-2:] == "-1"
                                      else api.login(who))
    snapshot = api.get("/queue", token=token).body
    assert _leaks(snapshot, tickets) == []
    held = [c["ticket"] for c in snapshot["counters"] if c["ticket"] is not None]
    calls = [c["ticket"] for c in snapshot["recent_calls"]]
    assert len(held) == 1 and len(calls) == 2
    # the shape stays the contract's: the keys are there, without the secrets
    assert all(t["token"] is None and t["status_url"] is None for t in held + calls)
    assert held[0]["number"] == tickets[1]["number"]


def test_staff_answers_carry_no_ticket_token(api, desk):
    tickets = [api.issue(desk.code) for _ in range(2)]
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    answers = [api.post(f"/counters/{cid}/call-next", token=staff)]
    tid = answers[0].body["ticket"]["id"]
    answers += [api.post(f"/tickets/{tid}/recall", token=staff),
                api.post(f"/tickets/{tid}/start", token=staff),
                api.get(f"/tickets/{tid}", token=staff),
                api.get(f"/counters/{cid}/queue", token=staff),
                api.get(f"/tickets/{tid}", token=api.login("manajer")),
                api.post(f"/tickets/{tid}/finish", token=staff),
                api.post(f"/tickets/{tickets[1]['id']}/cancel", token=staff)]
    assert [r.status for r in answers] == [200] * len(answers)
    assert [_leaks(r.body, tickets) for r in answers] == [[]] * len(answers)
    assert answers[-1].body["ticket"]["token"] is None


def test_the_ticket_preview_qr_code_carries_no_token(api, desk, tmp_path: Path):
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (zbar-tools) is needed to read QR codes back")
    ticket = api.issue(desk.code)
    r = api.get(f"/tickets/{ticket['id']}/preview.png", token=api.login(desk.staff))
    assert r.status == 200
    (tmp_path / "preview.png").write_bytes(r.content)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "preview.png")],
                         capture_output=True, text=True, timeout=30).stdout
    assert out.strip() and ticket["token"] not in out


def _everything(client, namespace: str = "/hall") -> list:  # type: ignore[no-untyped-def]
    return [(m["name"], m["args"]) for m in client.get_received(namespace)]


def test_hall_sockets_get_no_tokens_in_events_or_snapshots(app, api, desk):
    staff_page = app.test_client()
    sign_in(staff_page, desk.staff)
    listeners = [
        socketio.test_client(app, namespace="/hall", auth={"token": api.device_token(d)})
        for d in ("display-1", "kiosk-1", "printer-1")]
    listeners.append(socketio.test_client(app, namespace="/hall",
                                          auth={"token": api.login("manajer")}))
    listeners.append(socketio.test_client(app, namespace="/hall", flask_test_client=staff_page))
    assert all(c.is_connected("/hall") for c in listeners)
    tickets = _hall_with_calls(api, desk)
    tid = [t for t in tickets if t["number"] == tickets[1]["number"]][0]["id"]
    api.post(f"/tickets/{tid}/recall", token=api.login(desk.staff))
    for client in listeners:
        client.emit("snapshot", namespace="/hall")
    for client in listeners:
        heard = _everything(client)
        names = [name for name, _ in heard]
        assert "called" in names and names.count("snapshot") == 2
        assert _leaks(heard, tickets) == [], names
        client.disconnect("/hall")


def _finish_one(api, counter: str = "Loket 1", staff: str = "dukcapil1"):  # type: ignore[no-untyped-def]
    ticket = api.issue("KTP")
    cid = api.open_counter(staff, counter)
    token = api.login(staff)
    assert api.post(f"/counters/{cid}/call-next", token=token).body["ticket"]["id"] == ticket["id"]
    assert api.post(f"/tickets/{ticket['id']}/finish", token=token).status == 200
    return ticket, cid


def test_only_the_registered_tablet_gets_the_survey_offer(app, api):
    loket1 = api.counter_id("Loket 1")
    tablet = socketio.test_client(app, namespace="/hall",
                                  auth={"token": api.device_token("tablet-1"),
                                        "counter": loket1})
    unbound = socketio.test_client(app, namespace="/hall",
                                   auth={"token": api.device_token("display-1")})
    other_tablet = socketio.test_client(app, namespace="/hall",
                                        auth={"token": api.device_token("tablet-4")})
    assert tablet.is_connected("/hall") and unbound.is_connected("/hall")
    ticket, _ = _finish_one(api)
    offers = [args[0] for name, args in _everything(tablet) if name == "survey_offer"]
    assert len(offers) == 1 and offers[0]["ticket"]["token"] == ticket["token"]
    for client in (unbound, other_tablet):
        heard = _everything(client)
        assert "survey_offer" not in [n for n, _ in heard]
        assert ticket["token"] not in json.dumps(heard)
        client.disconnect("/hall")
    tablet.disconnect("/hall")


@pytest.mark.parametrize("device", ["display-1", "tablet-4", "kiosk-1"])
def test_a_device_asking_to_follow_a_counter_it_is_not_registered_to_is_refused(app, api,
                                                                               device):
    client = socketio.test_client(app, namespace="/hall",
                                  auth={"token": api.device_token(device),
                                        "counter": api.counter_id("Loket 1")})
    assert not client.is_connected("/hall")


def _source(app, ticket_id: int) -> str:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(SurveyResponse.source)
                         .where(SurveyResponse.ticket_id == ticket_id)).one()


@pytest.mark.parametrize(("sender", "claimed", "recorded"), [
    (None, "counter_tablet", "status_page"),     # a phone cannot claim to be the tablet
    ("tablet-4", "counter_tablet", "status_page"),  # another counter's tablet
    ("tablet-1", None, "counter_tablet"),        # the ticket's counter's own tablet
])
def test_the_server_records_the_survey_channel_itself(app, api, sender, claimed, recorded):
    ticket, _ = _finish_one(api)
    body = {"token": ticket["token"], "scores": [4] * 9}
    if claimed:
        body["source"] = claimed
    r = api.post("/surveys", body, token=api.device_token(sender) if sender else None)
    assert r.status == 201, r.body
    assert r.body["survey"]["source"] == recorded
    assert _source(app, ticket["id"]) == recorded


def test_the_admin_registers_a_display_as_a_counters_rating_tablet(app, api):
    admin = app.test_client()
    sign_in(admin, "admin")
    loket2 = api.counter_id("Loket 2")
    r = post_form(admin, "/admin/devices/new",
                  {"name": "tablet-loket-2", "kind": "display", "counter_id": str(loket2)})
    assert r.status_code == 200
    token = r.get_data(as_text=True).split('<code id="device-token">')[1].split("<")[0]
    tablet = socketio.test_client(app, namespace="/hall",
                                  auth={"token": token.strip(), "counter": loket2})
    assert tablet.is_connected("/hall")
    tablet.disconnect("/hall")
    r = post_form(admin, "/admin/devices/new",
                  {"name": "kiosk-x", "kind": "kiosk", "counter_id": str(loket2)})
    assert "rating tablet" in r.get_data(as_text=True)
