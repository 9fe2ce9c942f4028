"""A printer behind CUPS: a private cupsd with a raw queue to the TCP test printer.

The agent prints with ``cups:QUEUE`` through python-escpos's CupsPrinter and pycups to a
real cupsd (tests/support/cups_server.py); the queue's socket:// backend delivers the job
to the TCP printer of tests/support/fake_printer.py, whose received bytes are decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from printer.backends import PrinterError, close, open_printer, parse_spec, send
from printer.layout import TicketPrint, paper, ticket_bytes
from tests.support.agent_process import Agent
from tests.support.cups_server import PrivateCups, missing
from tests.support.fake_printer import FakeNetworkPrinter, wait_for
from tests.support.live import LiveServer
from tests.support.print_live import issue, job_state, make_agent, printer_row

QUEUE = "kiosk-lobby"


@pytest.fixture
def printer() -> Iterator[FakeNetworkPrinter]:
    p = FakeNetworkPrinter()
    yield p
    p.close()


@pytest.fixture
def cups(printer: FakeNetworkPrinter) -> Iterator[PrivateCups]:
    why = missing()
    if why:
        pytest.skip(why)
    c = PrivateCups().start()
    try:
        c.add_raw_queue(QUEUE, f"socket://127.0.0.1:{printer.port}")
        yield c
    finally:
        c.stop()


def test_the_agent_prints_each_ticket_through_a_raw_cups_queue(
        server: LiveServer, cups: PrivateCups, printer: FakeNetworkPrinter,
        agents: list[Agent], tmp_path: Path) -> None:
    make_agent(agents, server, f"cups:{QUEUE}", tmp_path, env=cups.env)
    tickets = [issue(server), issue(server)]
    wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets), what="printed")
    wait_for(lambda: len(printer.jobs) == 2, timeout=30, what="both jobs through CUPS")
    assert printer.numbers() == ["A001", "A002"]
    receipt = printer.receipts()[1]
    assert receipt.line_with("A002").size == (4, 4)
    assert [q.payload for q in receipt.qrs] == [tickets[1]["status_url"]]
    assert receipt.cuts == ["full"]
    assert printer.status_queries == 0  # a CUPS queue carries no status answers back
    row = printer_row(server)
    assert row["ready"] is True and row["printer"] == f"cups:{QUEUE}"
    wait_for(lambda: cups.lpstat("-W", "completed", "-o", QUEUE).count(QUEUE) == 2,
             what="both jobs completed in CUPS")


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
