"""The print agent (a real `mpp-printer` process) between a live server and a TCP printer."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import socketio

from mpp.db import Database
from mpp.models import PrintJob
from printer.socket_client import InOrderClient
from tests.support.admin_http import revoke_device
from tests.support.agent_process import PRINTER, Agent
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer
from tests.support.print_live import (
    DISPLAY,
    KIOSK,
    issue,
    job_error,
    job_state,
    make_agent,
    print_state,
    printer_row,
)

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


def test_each_job_is_printed_once_and_a_restart_prints_nothing_again(
        server: LiveServer, code: str, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    before = [issue(server, code)]  # issued while no agent runs: kept for it
    agent = make_agent(agents, server, printer.spec, tmp_path)
    wait_for(lambda: job_state(server, before[0]) == "printed", what="first job printed")
    tickets = before + [issue(server, code) for _ in range(3)]
    wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets), what="printed")
    assert printer.numbers() == ["Q001", "Q002", "Q003", "Q004"]
    receipt = printer.receipts()[1]
    assert receipt.qrs[0].payload == tickets[1]["status_url"]
    assert receipt.cuts == ["full"]
    agent.stop()
    wait_for(lambda: not printer_row(server)["connected"], what="agent gone")
    make_agent(agents, server, printer.spec, tmp_path)
    wait_for(lambda: printer_row(server)["connected"], what="agent back")
    issue(server, code)
    wait_for(lambda: len(printer.jobs) == 5, what="fifth ticket")
    assert printer.numbers() == ["Q001", "Q002", "Q003", "Q004", "Q005"]


def test_an_agent_killed_mid_job_reprints_only_what_was_not_answered(
        server: LiveServer, code: str, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    agent = make_agent(agents, server, printer.spec, tmp_path, "--status-timeout", "60")
    first = [issue(server, code), issue(server, code)]
    wait_for(lambda: all(job_state(server, t) == "printed" for t in first), what="printed")
    printer.hold.set()  # the printer stops answering: the agent waits mid-job
    queries = printer.status_queries
    third = issue(server, code)
    wait_for(lambda: printer.status_queries > queries, what="agent busy with the job")
    agent.kill()
    printer.hold.clear()
    assert job_state(server, third) == "pending"
    make_agent(agents, server, printer.spec, tmp_path, "--status-timeout", "60")
    wait_for(lambda: job_state(server, third) == "printed", what="third printed")
    assert printer.numbers() == ["Q001", "Q002", "Q003"]


def test_an_answer_lost_after_printing_is_repeated_from_the_journal_without_reprinting(
        server: LiveServer, code: str, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    agent = make_agent(agents, server, printer.spec, tmp_path)
    ticket = issue(server, code)
    wait_for(lambda: job_state(server, ticket) == "printed", what="printed")
    agent.stop()
    # The answer never reached the server: the job is open again there.
    db = Database(server.db_url)
    with db.write() as s:
        job = s.query(PrintJob).one()
        job.ok, job.answered_at = None, None
    db.dispose()
    assert job_state(server, ticket) == "pending"
    make_agent(agents, server, printer.spec, tmp_path)
    wait_for(lambda: job_state(server, ticket) == "printed", what="answered again")
    assert printer.numbers() == ["Q001"]


def test_an_unreachable_printer_is_reported_and_no_ticket_is_lost(
        server: LiveServer, code: str, agents: list[Agent], tmp_path: Path) -> None:
    # Hold the port (bound, not listening) so that connections are refused and no other
    # process can take it before the printer "comes back" on it.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    board = InOrderClient(reconnection=False)
    states: list[dict[str, Any]] = []
    board.on("printer_state", lambda data: states.append(data["printer"]), namespace="/hall")
    board.connect(server.url, namespaces=["/hall"], auth={"token": DISPLAY},
                  transports=["websocket"], wait_timeout=10)
    try:
        make_agent(agents, server, f"network:127.0.0.1:{port}", tmp_path)
        tickets = [issue(server, code), issue(server, code)]
        wait_for(lambda: all(print_state(server, t)["job"]["state"] == "failed"
                             for t in tickets), what="failed answers")
        row = printer_row(server)
        assert row["connected"] and row["ready"] is False
        assert "unreachable" in row["error"] and row["pending_jobs"] == 2
        assert job_error(server, tickets[0]).startswith("printer network:")
        assert print_state(server, tickets[0])["printer"]["problem"] == "printer_offline"
        wait_for(lambda: any(s["error"] and "unreachable" in s["error"] for s in states),
                 what="printer_state on /hall")
        # the printer comes back on its address: the agent's retry prints both, once each
        holder.close()
        printer = FakeNetworkPrinter(port)
        try:
            wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets),
                     timeout=20, what="printed after the printer came back")
            assert printer.numbers() == ["Q001", "Q002"]
            wait_for(lambda: any(s["ready"] for s in states), what="ready on /hall")
            assert printer_row(server)["pending_jobs"] == 0
        finally:
            printer.close()
    finally:
        holder.close()
        board.disconnect()


def test_a_printer_out_of_paper_keeps_the_job_until_paper_is_back(
        server: LiveServer, code: str, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    printer.paper = "out"
    make_agent(agents, server, printer.spec, tmp_path)
    ticket = issue(server, code)
    wait_for(lambda: print_state(server, ticket)["job"]["state"] == "failed", what="failed")
    state = print_state(server, ticket)
    assert job_error(server, ticket) == "out of paper"
    assert state["printer"]["problem"] == "out_of_paper" and state["printer"]["ready"] is False
    assert printer.jobs == []
    printer.paper = "ok"
    wait_for(lambda: job_state(server, ticket) == "printed", what="printed after refill")
    assert printer.numbers() == ["Q001"]
    assert printer_row(server)["paper"] == "ok"


def test_a_wrong_token_is_refused_by_the_print_namespace(server: LiveServer) -> None:
    client = InOrderClient(reconnection=False)
    for token in ("nope", KIOSK):
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/print"], auth={"token": token},
                           transports=["websocket"], wait_timeout=5)


def test_a_raw_agent_gets_open_jobs_on_connect_and_bad_answers_are_refused(
        server: LiveServer, code: str) -> None:
    ticket = issue(server, code)
    client = InOrderClient(reconnection=False)
    jobs: list[dict[str, Any]] = []
    client.on("print", jobs.append, namespace="/print")
    client.connect(server.url, namespaces=["/print"], auth={"token": PRINTER},
                   transports=["websocket"], wait_timeout=10)
    try:
        wait_for(lambda: jobs, what="job on connect")
        assert jobs[0]["ticket"]["number"] == ticket["number"]
        bad = client.call("printed", {"job_id": "1", "ok": True}, namespace="/print",
                          timeout=10)
        assert bad["error"]["code"] == "validation_failed"
        unknown = client.call("printed", {"job_id": 999, "ok": True, "error": None},
                              namespace="/print", timeout=10)
        assert unknown["error"]["code"] == "job_not_found"
        good = client.call("printed", {"job_id": jobs[0]["job_id"], "ok": True,
                                       "error": None}, namespace="/print", timeout=10)
        assert good == {"ok": True, "duplicate": False, "state": "printed"}
        again = client.call("printed", {"job_id": jobs[0]["job_id"], "ok": True,
                                        "error": None}, namespace="/print", timeout=10)
        assert again["duplicate"] is True
    finally:
        client.disconnect()


def test_the_agent_reconnects_by_itself_after_the_server_restarts(
        server: LiveServer, code: str, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    make_agent(agents, server, printer.spec, tmp_path)
    first = issue(server, code)
    wait_for(lambda: job_state(server, first) == "printed", what="first printed")
    server.stop()
    server.start()
    second = issue(server, code)  # may be issued before the agent is back: it waits for it
    wait_for(lambda: job_state(server, second) == "printed", timeout=30,
             what="printed after the restart")
    assert printer.numbers() == ["Q001", "Q002"]
    assert printer_row(server)["connected"] is True


def test_an_idle_agent_reports_paper_running_out_before_the_next_ticket(
        server: LiveServer, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    make_agent(agents, server, printer.spec, tmp_path, "--heartbeat-seconds", "1")
    wait_for(lambda: printer_row(server)["paper"] == "ok", what="paper ok")
    printer.paper = "low"
    wait_for(lambda: printer_row(server)["paper"] == "low", what="paper low")
    assert printer_row(server)["ready"] is True
    printer.paper = "out"
    wait_for(lambda: printer_row(server)["paper"] == "out", what="paper out")
    row = printer_row(server)
    assert row["ready"] is False and row["error"] == "out of paper"
    assert printer.jobs == []  # probing prints nothing


def test_two_agents_with_one_token_the_newest_takes_over_and_each_job_prints_once(
        server: LiveServer, code: str, agents: list[Agent], tmp_path: Path) -> None:
    old_printer, new_printer = FakeNetworkPrinter(), FakeNetworkPrinter()
    try:
        old = Agent(server.url, old_printer.spec, tmp_path / "old.txt", tmp_path / "old.log")
        agents.append(old.start())
        first = issue(server, code)
        wait_for(lambda: job_state(server, first) == "printed", what="printed by the first")
        # a second kiosk PC starts an agent with the same printer token: the newest wins
        new = Agent(server.url, new_printer.spec, tmp_path / "new.txt", tmp_path / "new.log")
        agents.append(new.start())
        wait_for(lambda: old.exited() is not None, what="the replaced agent stops")
        assert old.exited() == 3
        log = old.log.read_text()
        assert "took over" in log and "stopping with exit status 3" in log
        tickets = [issue(server, code) for _ in range(3)]
        wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets),
                 what="printed by the newest")
        assert old_printer.numbers() == ["Q001"]
        assert new_printer.numbers() == ["Q002", "Q003", "Q004"]
        assert new.proc is not None and new.exited() is None  # it keeps running
        assert printer_row(server)["connected"] is True
    finally:
        old_printer.close()
        new_printer.close()


def test_an_agent_whose_token_is_revoked_stops_with_status_4(
        server: LiveServer, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    agent = make_agent(agents, server, printer.spec, tmp_path)
    wait_for(lambda: printer_row(server)["connected"], what="agent connected")
    revoke_device(server.url, server.db_url, "printer-1")
    wait_for(lambda: agent.exited() is not None, what="the agent stops")
    assert agent.exited() == 4
    assert "revoked" in agent.log.read_text()


def test_an_agent_the_server_refuses_stops_with_status_4_instead_of_retrying(
        server: LiveServer, printer: FakeNetworkPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    """Also what an agent whose ``revoked`` notice was lost meets when it reconnects."""
    agent = make_agent(agents, server, printer.spec, tmp_path, "--token", "not-a-token")
    wait_for(lambda: agent.exited() is not None, what="the agent stops")
    assert agent.exited() == 4
    assert "refused this printer's token" in agent.log.read_text()


def test_raw_agents_only_the_newest_gets_jobs_and_the_older_is_told_why(
        server: LiveServer, code: str) -> None:
    jobs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    notices: list[dict[str, Any]] = []
    clients = {}
    for name in ("old", "new"):
        c = InOrderClient(reconnection=False)
        c.on("print", jobs[name].append, namespace="/print")
        if name == "old":
            c.on("replaced", notices.append, namespace="/print")
        c.connect(server.url, namespaces=["/print"], auth={"token": PRINTER},
                  transports=["websocket"], wait_timeout=10)
        clients[name] = c
    try:
        wait_for(lambda: notices and not clients["old"].connected, what="old one replaced")
        assert notices[0]["code"] == "replaced" and "printer-1" in notices[0]["message"]
        tickets = [issue(server, code) for _ in range(3)]
        wait_for(lambda: len(jobs["new"]) == 3, what="jobs at the newest")
        assert [j["ticket"]["number"] for j in jobs["new"]] == [t["number"] for t in tickets]
        assert jobs["old"] == []
    finally:
        for c in clients.values():
            c.disconnect()


def test_an_agent_the_server_cuts_without_a_notice_reconnects_by_itself(
        tmp_path: Path) -> None:
    """python-socketio does not reconnect after a server-side disconnect; the agent does,
    unless it was told ``replaced`` or ``revoked`` (a notice lost, an older server)."""
    import threading

    from flask import Flask, request
    from flask_socketio import SocketIO
    from werkzeug.serving import make_server

    from printer.agent import PrintAgent

    app = Flask(__name__)
    server = SocketIO(app, async_mode="threading")
    sessions: list[str] = []

    @server.on("connect", namespace="/print")
    def connect(auth: Any = None) -> None:
        sessions.append(request.sid)  # type: ignore[attr-defined]

    @server.on("printer_state", namespace="/print")
    def state(_data: Any = None) -> dict[str, Any]:
        return {"ok": True}

    http = make_server("127.0.0.1", 0, app, threaded=True)  # a free port, bound here
    port = http.server_port
    threading.Thread(target=http.serve_forever, daemon=True).start()
    agent = PrintAgent(f"http://127.0.0.1:{port}", "token", f"file:{tmp_path / 'out.bin'}",
                       journal=tmp_path / "journal.txt", retry_seconds=1)
    runner = threading.Thread(target=agent.run, daemon=True)
    runner.start()
    try:
        wait_for(lambda: agent.sio.connected and sessions, what="first connection")
        server.server.disconnect(sessions[0], namespace="/print")
        wait_for(lambda: len(sessions) == 2 and agent.sio.connected, timeout=30,
                 what="the agent back on its own")
        assert agent.exit_code == 0 and runner.is_alive()
    finally:
        agent.stop()
        runner.join(timeout=10)
        http.shutdown()


def _job(job_id: int) -> dict[str, Any]:
    """A ``print`` event's payload for a made-up ticket A{job_id}."""
    return {"job_id": job_id, "reason": "issue", "site": {"name": "MPP Uji"},
            "ticket": {"number": f"A{job_id:03d}", "service": {"name": "Layanan Uji"},
                       "agency": {"name": "Instansi Uji"}, "people_ahead": 0,
                       "issued_at": "2026-11-23T09:00:00+08:00",
                       "status_url": f"http://mpp.test/t/{job_id}"}}


def test_jobs_reach_the_queue_in_the_order_the_server_sent_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """python-engineio hands each message to a thread of its own, so a handler held up a
    moment let a later job overtake it (seen in CI: Q001, Q003, Q002). The agent's client
    takes the messages in turn: real Engine.IO packets, the first one's handler slow."""
    import time

    from engineio import packet as eio_packet
    from socketio import packet as sio_packet

    from printer.agent import NAMESPACE, PrintAgent

    agent = PrintAgent("http://127.0.0.1:9", "token", f"file:{tmp_path / 'out.bin'}",
                       journal=tmp_path / "journal.txt", heartbeat_seconds=0)
    handled: list[int] = []
    on_print = agent.sio.handlers[NAMESPACE]["print"]

    def slow_at_first(job: dict[str, Any]) -> None:
        if not handled and job["job_id"] == 10:
            time.sleep(0.3)
        on_print(job)
        handled.append(job["job_id"])

    monkeypatch.setitem(agent.sio.handlers[NAMESPACE], "print", slow_at_first)
    for job_id in (10, 11, 12):
        event = sio_packet.Packet(sio_packet.EVENT, namespace=NAMESPACE,
                                  data=["print", _job(job_id)])
        agent.sio.eio._receive_packet(eio_packet.Packet(eio_packet.MESSAGE,
                                                        data=event.encode()))
    wait_for(lambda: len(handled) == 3, what="three jobs handled")
    assert handled == [10, 11, 12]


def test_jobs_queued_while_the_printer_is_busy_print_oldest_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs that wait for the printer (a burst, the open jobs sent again after a failure)
    are printed by job id, whatever order they were queued in."""
    import threading

    from printer.agent import PrintAgent

    agent = PrintAgent("http://127.0.0.1:9", "token", f"file:{tmp_path / 'out.bin'}",
                       journal=tmp_path / "journal.txt", heartbeat_seconds=0)
    answered: list[tuple[int, bool]] = []
    monkeypatch.setattr(agent, "answer",
                        lambda job_id, ok, error: answered.append((job_id, ok)))
    for job_id in (12, 11, 10):
        agent._on_print(_job(job_id))
    agent._on_print(_job(11))  # the same job sent again is queued once
    worker = threading.Thread(target=agent._work, daemon=True)
    worker.start()
    try:
        wait_for(lambda: len(answered) == 3, what="three jobs printed")
        assert answered == [(10, True), (11, True), (12, True)]
        agent._on_print(_job(13))  # a job later on, alone, is printed too
        wait_for(lambda: len(answered) == 4, what="the fourth job")
    finally:
        agent.stop()
        worker.join(timeout=5)
