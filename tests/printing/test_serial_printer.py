"""A serial receipt printer: a pseudo-terminal stands in for /dev/ttyUSB0.

The agent opens the pty's slave end through python-escpos's Serial and pyserial, exactly
as it opens a real serial port; the printer on the master end answers the status queries
and keeps what it receives (tests/support/pty_printer.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from printer.backends import PrinterError, close, open_printer, parse_spec, query_status, send
from printer.layout import TicketPrint, paper, ticket_bytes
from tests.support.agent_process import Agent
from tests.support.escpos_decode import decode
from tests.support.fake_printer import wait_for
from tests.support.live import LiveServer
from tests.support.print_live import (
    issue,
    job_error,
    job_state,
    make_agent,
    print_state,
    printer_row,
)
from tests.support.pty_printer import PtyPrinter

pytestmark = pytest.mark.per_day  # CI runs these again one minute before midnight


@pytest.fixture
def tty() -> Iterator[PtyPrinter]:
    """The serial printer at the master end of a pseudo-terminal."""
    p = PtyPrinter()
    yield p
    p.close()


def test_the_agent_prints_each_ticket_on_a_serial_printer_once(
        server: LiveServer, code: str, tty: PtyPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    # default options: the status answers must not make each ticket wait for a timeout
    make_agent(agents, server, tty.spec, tmp_path)
    tickets = [issue(server, code) for _ in range(3)]
    wait_for(lambda: all(job_state(server, t) == "printed" for t in tickets), what="printed")
    assert tty.numbers() == ["Q001", "Q002", "Q003"]
    receipt = tty.receipts()[2]
    assert receipt.line_with("Q003").size == (4, 4)
    assert receipt.line_with("NOMOR ANTRIAN").align == "center"
    assert [q.payload for q in receipt.qrs] == [tickets[2]["status_url"]]
    assert receipt.cuts == ["full"]
    assert tty.status_queries >= 6  # online and paper before each ticket
    row = printer_row(server)
    assert row["ready"] is True and row["online"] is True and row["paper"] == "ok"
    assert row["printer"] == tty.spec


def test_a_serial_printer_out_of_paper_keeps_the_job_until_paper_is_back(
        server: LiveServer, code: str, tty: PtyPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    tty.paper = "out"
    make_agent(agents, server, tty.spec, tmp_path)
    ticket = issue(server, code)
    wait_for(lambda: job_state(server, ticket) == "failed", what="failed")
    assert job_error(server, ticket) == "out of paper"
    assert print_state(server, ticket)["printer"]["problem"] == "out_of_paper"
    assert tty.jobs == []
    tty.paper = "ok"
    wait_for(lambda: job_state(server, ticket) == "printed", what="printed after refill")
    assert tty.numbers() == ["Q001"]


def test_a_serial_printer_reporting_offline_keeps_the_job(
        server: LiveServer, code: str, tty: PtyPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    tty.online = False  # e.g. cover open: it answers, with the offline bit set
    make_agent(agents, server, tty.spec, tmp_path)
    ticket = issue(server, code)
    wait_for(lambda: job_state(server, ticket) == "failed", what="failed")
    assert job_error(server, ticket) == "printer offline"
    assert printer_row(server)["online"] is False
    assert tty.jobs == []
    tty.online = True
    wait_for(lambda: job_state(server, ticket) == "printed", what="printed when online")
    assert tty.numbers() == ["Q001"]


def test_a_switched_off_serial_printer_is_reported_and_loses_no_ticket(
        server: LiveServer, code: str, tty: PtyPrinter, agents: list[Agent],
        tmp_path: Path) -> None:
    # Switched off, a serial printer answers nothing, and the port still takes every byte:
    # the ticket must not be sent into the void and answered "printed".
    tty.powered = False
    make_agent(agents, server, tty.spec, tmp_path)
    ticket = issue(server, code)
    wait_for(lambda: job_state(server, ticket) == "failed", what="failed")
    assert "unreachable: no answer" in job_error(server, ticket)
    assert print_state(server, ticket)["printer"]["problem"] == "printer_offline"
    assert set(bytes(tty.unheard[i:i + 2]) for i in range(0, len(tty.unheard), 3)) \
        == {b"\x10\x04"}  # only status queries were sent
    tty.powered = True
    wait_for(lambda: job_state(server, ticket) == "printed", timeout=20,
             what="printed after switching on")
    assert tty.numbers() == ["Q001"]


def test_open_send_and_status_through_the_real_serial_class(tty: PtyPrinter) -> None:
    spec = parse_spec(tty.spec)
    ticket = TicketPrint(number="A042", service="Perekaman KTP-el", agency="Disdukcapil",
                         people_ahead=3, estimated_wait_minutes=12,
                         issued_at=datetime(2026, 11, 23, 9, 5, tzinfo=timezone(timedelta(
                             hours=8))), status_url="http://mpp.test/t/abc",
                         site_name="Mal Pelayanan Publik Kota Kendari")
    data = ticket_bytes(ticket, paper("58"))
    p = open_printer(spec, paper("58"), timeout=30)
    try:
        assert type(p).__name__ == "Serial" and p.device.port == tty.path
        tty.paper = "low"
        assert query_status(p, spec, timeout=2) == query_status(p, spec, timeout=2)
        status = query_status(p, spec, timeout=2)
        assert (status.online, status.paper, status.ready) == (True, "low", True)
        send(p, spec, data)
    finally:
        close(p)
    wait_for(lambda: tty.jobs, what="the ticket on the serial line")
    assert tty.jobs == [data]
    assert decode(tty.jobs[0]).qrs[0].payload == "http://mpp.test/t/abc"


def test_a_silent_serial_printer_fails_after_the_status_timeout_not_the_io_timeout(
        tty: PtyPrinter) -> None:
    tty.powered = False
    spec = parse_spec(tty.spec)
    p = open_printer(spec, paper("80"), timeout=60)
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError, match="no answer"):
            query_status(p, spec, timeout=0.3)
        assert time.monotonic() - started < 30  # not 2 x the 60 s I/O timeout
    finally:
        close(p)
