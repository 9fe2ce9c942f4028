"""A printer behind CUPS: a private cupsd with a raw queue to the TCP test printer.

The agent prints with ``cups:QUEUE`` through python-escpos's CupsPrinter and pycups to a
real cupsd (tests/support/cups_server.py); the queue's socket:// backend delivers the job
to the TCP printer of tests/support/fake_printer.py, whose received bytes are decoded.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from printer.backends import PrinterError, close, open_printer, parse_spec, send
from printer.layout import TicketPrint, paper, ticket_bytes
from tests.support.agent_process import Agent
from tests.support.cups_server import PrivateCups, missing
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer
from tests.support.print_live import (
    issue,
    job_error,
    job_state,
    make_agent,
    print_state,
    printer_row,
)

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight

QUEUE = "kiosk-lobby"


@contextmanager
def private_cups(device_uri: str) -> Iterator[PrivateCups]:
    """A private cupsd whose raw queue QUEUE delivers to ``device_uri``."""
    why = missing()
    if why:
        pytest.skip(why)
    c = PrivateCups().start()
    try:
        c.add_raw_queue(QUEUE, device_uri)
        yield c
    finally:
        c.stop()


@pytest.fixture
def cups(printer: FakeNetworkPrinter) -> Iterator[PrivateCups]:
    with private_cups(f"socket://127.0.0.1:{printer.port}") as c:
        yield c


def test_the_agent_prints_each_ticket_through_a_raw_cups_queue(
        server: LiveServer, code: str, cups: PrivateCups, printer: FakeNetworkPrinter,
        agents: list[Agent], tmp_path: Path) -> None:
    make_agent(agents, server, f"cups:{QUEUE}", tmp_path, env=cups.env)
    tickets = [issue(server, code), issue(server, code)]
    wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets), what="printed")
    wait_for(lambda: len(printer.jobs) == 2, timeout=30, what="both jobs through CUPS")
    assert printer.numbers() == ["Q001", "Q002"]
    receipt = printer.receipts()[1]
    assert receipt.line_with("Q002").size == (4, 4)
    assert [q.payload for q in receipt.qrs] == [tickets[1]["status_url"]]
    assert receipt.cuts == ["full"]
    assert printer.status_queries == 0  # a CUPS queue carries no status answers back
    row = printer_row(server)
    assert row["ready"] is True and row["printer"] == f"cups:{QUEUE}"
    wait_for(lambda: cups.lpstat("-W", "completed", "-o", QUEUE).count(QUEUE) == 2,
             what="both jobs completed in CUPS")


def test_a_printer_gone_behind_cups_holds_one_ticket_and_the_rest_stay_with_the_server(
        server: LiveServer, code: str, agents: list[Agent], tmp_path: Path) -> None:
    # Hold the port (bound, not listening): connections are refused until the printer
    # comes back on it.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    try:
        with private_cups(f"socket://127.0.0.1:{port}") as cups:
            make_agent(agents, server, f"cups:{QUEUE}", tmp_path, env=cups.env)
            first = issue(server, code)
            # CUPS took the first ticket: it keeps it and will send it when it can
            wait_for(lambda: job_state(server, first) == "printed",
                     what="first handed to CUPS")
            second = issue(server, code)
            wait_for(lambda: job_state(server, second) == "failed", what="second refused")
            assert "job(s) still waiting in the CUPS queue" in job_error(server, second)
            assert print_state(server, second)["printer"]["problem"] == "printer_offline"
            holder.close()
            printer = FakeNetworkPrinter(port)
            try:
                wait_for(lambda: job_state(server, second) == "printed", timeout=90,
                         what="second printed after the printer came back")
                wait_for(lambda: len(printer.jobs) == 2, timeout=30,
                         what="both at the printer")
                assert printer.numbers() == ["Q001", "Q002"]  # each once, the held one first
            finally:
                printer.close()
    finally:
        holder.close()


def test_a_stopped_cups_queue_is_reported_and_takes_no_ticket(
        server: LiveServer, code: str, cups: PrivateCups, printer: FakeNetworkPrinter,
        agents: list[Agent], tmp_path: Path) -> None:
    cups.disable(QUEUE, "paper jam")
    make_agent(agents, server, f"cups:{QUEUE}", tmp_path, env=cups.env)
    ticket = issue(server, code)
    wait_for(lambda: job_state(server, ticket) == "failed", what="failed")
    error = job_error(server, ticket)
    assert "the CUPS queue is stopped (paper jam)" in error and f"cupsenable {QUEUE}" in error
    assert printer_row(server)["ready"] is False
    assert cups.lpstat("-o", QUEUE) == ""  # nothing left waiting in CUPS
    cups.enable(QUEUE)
    wait_for(lambda: job_state(server, ticket) == "printed", timeout=20,
             what="printed after cupsenable")
    wait_for(lambda: printer.jobs, timeout=30, what="the ticket at the printer")
    assert printer.numbers() == ["Q001"]


def test_python_escpos_cups_printer_hands_the_exact_bytes_to_the_queue(
        cups: PrivateCups, printer: FakeNetworkPrinter) -> None:
    # the server named in the spec (libcups reads CUPS_SERVER only once per process)
    spec = parse_spec(f"cups:{QUEUE}@{cups.server}")
    ticket = TicketPrint(number="B007", service="Paspor", agency="Imigrasi", people_ahead=0,
                         estimated_wait_minutes=None,
                         issued_at=datetime(2026, 11, 23, 9, 5,
                                            tzinfo=timezone(timedelta(hours=8))),
                         status_url="http://mpp.test/t/xyz",
                         site_name="Mal Pelayanan Publik Kota Kendari")
    data = ticket_bytes(ticket, paper("80"), native_qr=False)  # 3 KB raster QR: binary-safe?
    p = open_printer(spec, paper("80"), timeout=10)
    try:
        assert (p.host, p.port, p.printer_name) == ("127.0.0.1", cups.port, QUEUE)
        send(p, spec, data)
    finally:
        close(p)
    wait_for(lambda: printer.jobs, timeout=30, what="the job at the printer")
    assert printer.jobs == [data]


def test_an_unknown_cups_queue_gives_a_one_line_reason(cups: PrivateCups) -> None:
    spec = parse_spec(f"cups:no-such-queue@{cups.server}")
    with pytest.raises(PrinterError) as caught:
        open_printer(spec, paper("80"), timeout=10)
    message = str(caught.value)
    assert message.startswith(f"printer cups:no-such-queue@{cups.server} unreachable")
    assert "no-such-queue" in message and "\n" not in message
