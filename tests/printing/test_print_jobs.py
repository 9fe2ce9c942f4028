"""Print jobs on the server: made with the ticket, sent after commit, kept until answered.
Tickets are taken for a service of the test's own (support/factories.py) at kiosk-1, the
demo kiosk paired with printer-1."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask_socketio import SocketIOTestClient
from PIL import Image

from mpp.domain.errors import Conflict
from mpp.events import PRINT, PRINT_JOB, PRINTER_STATE
from mpp.extensions import socketio
from mpp.models import Device, PrintJob
from mpp.services.printing import PrintingService
from printer.layout import TicketPrint, paper, ticket_bytes
from tests.support.escpos_decode import decode
from tests.support.openapi import body_schema


def printing(app) -> PrintingService:  # type: ignore[no-untyped-def]
    return app.extensions["mpp_printing"]


def printer_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.query(Device).filter_by(name="printer-1").one().id


def connect_agent(app, api) -> SocketIOTestClient:  # type: ignore[no-untyped-def]
    """A print agent (Socket.IO test client) with printer-1's token."""
    client = socketio.test_client(app, namespace=PRINT,
                                  auth={"token": api.device_token("printer-1")})
    assert client.is_connected(PRINT)
    return client


def agent_sid(client: SocketIOTestClient) -> str:
    return socketio.server.manager.sid_from_eio_sid(client.eio_sid, PRINT)


def received(client: SocketIOTestClient, name: str) -> list:  # type: ignore[type-arg]
    """Every ``name`` event the client got so far (also after it was disconnected)."""
    return [e["args"][0] for e in client.queue
            if e["namespace"] == PRINT and e["name"] == name]


@pytest.fixture
def service(make) -> str:
    """A service of the test's own; its code."""
    return make.service()


@pytest.fixture
def clerk(make, service) -> str:
    """A clerk of the service's agency."""
    return make.staff()


@pytest.fixture
def agent(app, api) -> SocketIOTestClient:  # type: ignore[no-untyped-def]
    client = connect_agent(app, api)
    yield client
    if client.is_connected(PRINT):
        client.disconnect(PRINT)


def test_a_kiosk_ticket_is_sent_to_its_paired_printer_after_commit(api, events, app,
                                                                    agent, service) -> None:
    ticket = api.issue(service)
    jobs = events.named(PRINT_JOB)
    assert len(jobs) == 1
    job = jobs[0]
    # to the printer's one active agent, by its session, not to a room others may share
    assert job.namespace == PRINT and job.room == agent_sid(agent)
    assert job.data["ticket"]["number"] == ticket["number"]
    assert ticket["number"].endswith("001")
    assert job.data["site"]["name"] == "Mal Pelayanan Publik Kota Kendari"
    assert "pungutan liar" in job.data["site"]["footer"]
    # the event is what an agent prints: decode the bytes made from it
    receipt = decode(ticket_bytes(TicketPrint.from_job(job.data), paper("80")))
    assert receipt.qrs[0].payload == ticket["status_url"]
    with app.extensions["mpp"].db.read() as s:
        row = s.get(PrintJob, job.data["job_id"])
        assert row is not None and row.ticket_id == ticket["id"] and row.ok is None


def test_tickets_issued_by_staff_or_an_unpaired_kiosk_make_no_print_job(api, events,
                                                                       app, service, clerk) -> None:
    r = api.post("/tickets", {"service_id": api.service_id(service)},
                 token=api.login(clerk))
    assert r.status == 201
    with app.extensions["mpp"].db.write() as s:
        kiosk = s.query(Device).filter_by(name="kiosk-1").one()
        kiosk.settings = {}
    api.issue(service)
    assert events.named(PRINT_JOB) == []


def test_answers_close_a_job_once_and_failures_keep_it_open(api, app, service) -> None:
    api.issue(service)
    svc = printing(app)
    pid = printer_id(app)
    [job] = svc.open_jobs(pid)
    failed = svc.answer(pid, job["job_id"], False, "out of paper")
    assert failed["job"]["state"] == "failed" and failed["job"]["error"] == "out of paper"
    [again] = svc.open_jobs(pid)  # still open: sent again
    assert again["job_id"] == job["job_id"]
    ok = svc.answer(pid, job["job_id"], True, None)
    assert ok["job"]["state"] == "printed" and not ok["duplicate"]
    assert svc.answer(pid, job["job_id"], True, None)["duplicate"]
    assert svc.open_jobs(pid) == []
    [state] = svc.printers(api_actor("admin"))
    assert state["ready"] is True and state["pending_jobs"] == 0


def api_actor(role: str):  # type: ignore[no-untyped-def]
    from mpp.domain.actor import Actor

    return Actor(role=role, user_id=1)


def test_an_answer_for_another_printers_job_is_refused(api, app, service) -> None:
    import pytest

    from mpp.domain.errors import NotFound

    api.issue(service)
    svc = printing(app)
    [job] = svc.open_jobs(printer_id(app))
    with pytest.raises(NotFound):
        svc.answer(printer_id(app) + 100, job["job_id"], True, None)


def test_stale_jobs_are_given_up_instead_of_printed_late(api, app, clock, service, clerk,
                                                         make) -> None:
    t1 = api.issue(service)
    t2 = api.issue(service)
    svc = printing(app)
    cid = api.open_counter(clerk, make.counter_name(make.counter([service])))
    api.post(f"/counters/{cid}/call-next", token=api.login(clerk))
    api.post(f"/tickets/{t1['id']}/finish", token=api.login(clerk))
    pid = printer_id(app)
    assert [j["ticket"]["number"] for j in svc.open_jobs(pid)] == [t2["number"]]  # t1 done
    clock.advance(minutes=31)
    assert svc.open_jobs(pid) == []
    jobs = api.get(f"/tickets/{t1['id']}/print-jobs", token=api.login("admin")).body["jobs"]
    assert jobs[0]["state"] == "given_up" and "is done" in jobs[0]["error"]


def test_staff_reprint_a_ticket_on_the_kiosks_printer(api, events, app, agent, service,
                                                      clerk) -> None:
    ticket = api.issue(service)
    r = api.post(f"/tickets/{ticket['id']}/reprint", token=api.login(clerk))
    assert r.status == 200, r.body
    assert r.body["job"]["reason"] == "reprint" and r.body["job"]["state"] == "pending"
    jobs = events.named(PRINT_JOB)
    assert [j.data["reason"] for j in jobs] == ["issue", "reprint"]
    receipt = decode(ticket_bytes(TicketPrint.from_job(jobs[1].data), paper("58")))
    assert receipt.line_with("CETAK ULANG")
    assert receipt.line_with(ticket["number"]).width >= 2
    assert events.named(PRINTER_STATE)[-1].data["printer"]["pending_jobs"] == 2


def test_reprint_refusals_are_clear(api, app, service, clerk, make) -> None:
    ticket = api.issue(service)
    other = api.post(f"/tickets/{ticket['id']}/reprint",
                     token=api.login(make.agency().staff()))  # another agency's clerk
    assert (other.status, other.error) == (403, "other_agency")
    assert api.post("/tickets/999/reprint", token=api.login("admin")).error == \
        "ticket_not_found"
    bad = api.post(f"/tickets/{ticket['id']}/reprint", raw="{", token=api.login("admin"))
    assert (bad.status, bad.error) == (400, "malformed_json")
    wrong = api.post(f"/tickets/{ticket['id']}/reprint", {"printer_device_id": "x"},
                     token=api.login("admin"))
    assert wrong.status == 422
    staff_ticket = api.post("/tickets", {"service_id": api.service_id(service)},
                            token=api.login(clerk)).body["ticket"]
    r = api.post(f"/tickets/{staff_ticket['id']}/reprint", token=api.login("admin"))
    assert (r.status, r.error) == (409, "no_printer")
    r = api.post(f"/tickets/{staff_ticket['id']}/reprint",
                 {"printer_device_id": printer_id(app)}, token=api.login("admin"))
    assert r.status == 200
    assert api.post(f"/tickets/{ticket['id']}/reprint",
                    token=api.device_token("kiosk-1")).status == 403
    assert api.post(f"/tickets/{ticket['id']}/reprint").status == 401


def test_printer_state_api_kiosk_sees_only_its_printer(api, app) -> None:
    r = api.get("/devices/printers", token=api.device_token("kiosk-1"))
    assert [p["name"] for p in r.body["printers"]] == ["printer-1"]
    assert [k["name"] for k in r.body["printers"][0]["kiosks"]] == ["kiosk-1"]
    with app.extensions["mpp"].db.write() as s:
        s.query(Device).filter_by(name="kiosk-1").one().settings = {}
    assert api.get("/devices/printers", token=api.device_token("kiosk-1")).body == {
        "printers": []}
    assert api.get("/devices/printers").status == 401


def test_kiosk_reads_the_print_state_of_its_ticket_by_token(api, app, service) -> None:
    ticket = api.issue(service)
    r = api.get(f"/tickets/by-token/{ticket['token']}/print")
    assert r.body["job"] == {"state": "pending", "reason": "issue", "attempts": 1}
    assert r.body["printer"] == {"connected": False, "ready": None, "paper": "unknown",
                                 "problem": "agent_offline"}
    svc, pid = printing(app), printer_id(app)
    svc.agent_connected(pid, True)
    svc.report_state(pid, {"ready": False, "online": True, "paper": "out",
                           "error": "out of paper"})
    r = api.get(f"/tickets/by-token/{ticket['token']}/print")
    assert r.body["printer"]["problem"] == "out_of_paper"
    svc.report_state(pid, {"ready": False, "online": None, "paper": "unknown",
                           "error": "printer network:10.0.0.9:9100 unreachable: refused"})
    r = api.get(f"/tickets/by-token/{ticket['token']}/print")
    assert r.body["printer"]["problem"] == "printer_offline"
    assert "10.0.0.9" not in str(r.body)  # no printer address for citizens
    svc.report_state(pid, {"ready": True, "online": True, "paper": "ok", "error": None})
    assert api.get(f"/tickets/by-token/{ticket['token']}/print").body["printer"][
        "problem"] is None
    assert api.get("/tickets/by-token/nope/print").status == 404


def test_preview_png_and_qr_svg_endpoints(api, app, tmp_path, service) -> None:
    ticket = api.issue(service)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {api.login('admin')}"}
    r = client.get(f"/api/v1/tickets/{ticket['id']}/preview.png?paper=58", headers=admin)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert Image.open(io.BytesIO(r.data)).width == 384 + 48
    from tests.printing.test_layout import zbar

    # staff see the layout, never the citizen's key: the preview's QR code is a placeholder
    assert zbar(r.data, tmp_path) == ["http://mpp.test/t/pratinjau"]
    assert ticket["token"] not in zbar(r.data, tmp_path)[0]
    bad = client.get(f"/api/v1/tickets/{ticket['id']}/preview.png?paper=A4", headers=admin)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_paper"
    assert client.get(f"/api/v1/tickets/{ticket['id']}/preview.png").status_code == 401
    svg = client.get(f"/api/v1/tickets/by-token/{ticket['token']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    assert client.get("/api/v1/tickets/by-token/unknown/qr.svg").status_code == 404


def test_openapi_documents_the_printing_endpoints(api) -> None:
    doc = api.get("/openapi.json").body
    assert "/api/v1/tickets/{ticket_id}/reprint" in doc["paths"]
    assert "/api/v1/devices/printers" in doc["paths"]
    body = body_schema(doc, "/api/v1/tickets/{ticket_id}/reprint", "post")
    assert "printer_device_id" in body["properties"]
    preview = doc["paths"]["/api/v1/tickets/{ticket_id}/preview.png"]["get"]
    assert list(preview["responses"]["200"]["content"]) == ["image/png"]


def test_jobs_older_than_the_limit_but_still_waiting_are_given_up(api, app, clock, service) -> None:
    api.issue(service)
    clock.advance(minutes=4)   # the limit is 5 minutes (issue 12: not a pile of late tickets)
    assert len(printing(app).open_jobs(printer_id(app))) == 1
    clock.current += timedelta(minutes=2)
    assert printing(app).open_jobs(printer_id(app)) == []


def test_an_agent_not_heard_of_for_90_seconds_counts_as_gone(api, app, clock) -> None:
    svc = printing(app)
    svc.agent_connected(printer_id(app), True)
    admin = api.login("admin")
    assert api.get("/devices/printers", token=admin).body["printers"][0]["connected"]
    clock.advance(seconds=91)
    assert not api.get("/devices/printers", token=admin).body["printers"][0]["connected"]
    svc.report_state(printer_id(app), {"ready": True, "paper": "ok"})
    assert api.get("/devices/printers", token=admin).body["printers"][0]["connected"]


def test_jobs_are_made_answered_and_retried_on_both_databases(any_app) -> None:
    from tests.support.api import Api
    from tests.support.factories import Factories

    api = Api(any_app.test_client())
    ticket = api.issue(Factories(any_app).service())
    svc = printing(any_app)
    pid = printer_id(any_app)
    [job] = svc.open_jobs(pid)
    assert job["ticket"]["id"] == ticket["id"]
    assert svc.answer(pid, job["job_id"], False, "out of paper")["job"]["state"] == "failed"
    [again] = svc.open_jobs(pid)
    assert svc.answer(pid, again["job_id"], True, None)["job"]["state"] == "printed"
    assert svc.answer(pid, again["job_id"], True, None)["duplicate"] is True
    jobs = api.get(f"/tickets/{ticket['id']}/print-jobs", token=api.login("admin")).body["jobs"]
    assert [(j["state"], j["attempts"]) for j in jobs] == [("printed", 3)]


def test_a_returning_agent_is_not_shown_as_faulty_before_it_reports(api, app) -> None:
    svc, pid = printing(app), printer_id(app)
    svc.agent_connected(pid, True)
    svc.agent_connected(pid, False)
    admin = api.login("admin")
    gone = api.get("/devices/printers", token=admin).body["printers"][0]
    assert (gone["connected"], gone["ready"], gone["error"]) == (
        False, False, "print agent not connected")
    svc.agent_connected(pid, True)
    back = api.get("/devices/printers", token=admin).body["printers"][0]
    assert (back["connected"], back["ready"], back["error"]) == (True, None, None)


def test_the_site_logo_travels_with_the_job_and_is_printed(api, events, app, agent,
                                                         tmp_path, service) -> None:
    from mpp.models import Site

    logo = tmp_path / "logo.png"
    Image.new("RGB", (800, 300), "navy").save(logo)
    with app.extensions["mpp"].db.write() as s:
        site = s.query(Site).one()
        site.settings = {**site.settings, "logo": str(logo)}
    api.issue(service)
    job = events.named(PRINT_JOB)[-1].data
    assert job["site"]["logo_png_base64"]
    receipt = decode(ticket_bytes(TicketPrint.from_job(job), paper("80")))
    assert len(receipt.images) == 1 and receipt.images[0].width_dots <= 512


def test_admins_preview_a_sample_ticket_with_the_sites_footer(api, app, tmp_path,
                                                            output_dir, clerk) -> None:
    from mpp.models import Site
    from tests.printing.test_layout import zbar

    with app.extensions["mpp"].db.write() as s:
        site = s.query(Site).one()
        site.settings = {**site.settings, "ticket_footer": "Terima kasih atas kunjungan Anda"}
    client = app.test_client()
    r = client.get("/api/v1/print/sample.png?paper=58",
                   headers={"Authorization": f"Bearer {api.login('admin')}"})
    assert r.status_code == 200 and r.mimetype == "image/png"
    (output_dir / "screenshots" / "ticket-sample-58mm.png").write_bytes(r.data)
    assert zbar(r.data, tmp_path) == ["http://mpp.test/t/contoh"]
    assert client.get("/api/v1/print/sample.png", headers={
        "Authorization": f"Bearer {api.login(clerk)}"}).status_code == 403


def test_without_an_agent_a_job_is_kept_and_sent_when_one_connects(api, events, app,
                                                                   service) -> None:
    ticket = api.issue(service)
    assert events.named(PRINT_JOB) == []  # nobody to send it to: kept as an open job
    client = connect_agent(app, api)
    try:
        [job] = received(client, PRINT_JOB)
        assert job["ticket"]["number"] == ticket["number"]
    finally:
        client.disconnect(PRINT)


def test_a_second_agent_with_the_same_token_takes_over_and_only_it_gets_jobs(api, app,
                                                                           events, service) -> None:
    first = connect_agent(app, api)
    first_sid = agent_sid(first)
    second = connect_agent(app, api)
    # the older agent is told why, then disconnected
    assert not first.is_connected(PRINT)
    [notice] = received(first, "replaced")
    assert notice["code"] == "replaced" and "printer-1" in notice["message"]
    assert "took over" in notice["message"]
    ticket = api.issue(service)
    [job] = received(second, PRINT_JOB)
    assert job["ticket"]["number"] == ticket["number"]
    assert received(first, PRINT_JOB) == []
    assert [e.room for e in events.named(PRINT_JOB)] == [agent_sid(second)]
    admin = api.login("admin")
    assert api.get("/devices/printers", token=admin).body["printers"][0]["connected"]
    # a replaced agent's report does not count; the active agent's does
    assert printing(app).report_state(printer_id(app), {"ready": True}, agent_sid(second))
    with pytest.raises(Conflict, match="took over") as refused:
        printing(app).report_state(printer_id(app), {"ready": False}, first_sid)
    assert refused.value.code == "replaced"
    assert printing(app).open_jobs(printer_id(app), first_sid) == []
    second.disconnect(PRINT)
    gone = api.get("/devices/printers", token=admin).body["printers"][0]
    assert not gone["connected"]


def test_a_replaced_agent_leaving_does_not_show_the_printer_as_gone(api, app) -> None:
    svc, pid = printing(app), printer_id(app)
    assert svc.agent_connected(pid, True, "old") is None
    assert svc.agent_connected(pid, True, "new") == "old"
    assert svc.agent_connected(pid, False, "old") is None  # the replaced one goes
    admin = api.login("admin")
    assert api.get("/devices/printers", token=admin).body["printers"][0]["connected"]
    svc.agent_connected(pid, False, "new")
    assert not api.get("/devices/printers", token=admin).body["printers"][0]["connected"]


def test_the_shared_agent_checks_refuse_unknown_sockets_and_bad_bodies(api, app,
                                                                       agent) -> None:
    stranger = socketio.test_client(app, namespace=PRINT, auth={"token": "nope"})
    assert not stranger.is_connected(PRINT)
    for event, body in (("printed", {"job_id": 0, "ok": True}),
                        ("printer_state", {"ready": "yes"}),
                        ("printer_state", None)):
        answer = agent.emit(event, body, namespace=PRINT, callback=True)
        assert answer["error"]["code"] == "validation_failed", (event, answer)
    assert agent.emit("printer_state", {"ready": True}, namespace=PRINT,
                      callback=True) == {"ok": True}
    assert agent.emit("printed", {"job_id": 999, "ok": True}, namespace=PRINT,
                      callback=True)["error"]["code"] == "job_not_found"
