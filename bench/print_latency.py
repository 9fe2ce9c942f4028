"""How long a ticket takes from the kiosk's tap to the paper, and the cost of the layout.

1. render: python-escpos bytes and the PNG preview for one ticket, 58 and 80 mm (median
   over R renders, in milliseconds, and the byte size);
2. paper:  starts `mpp run` over a fresh demo MPP, a TCP "printer" on a free port (as a
   network printer on port 9100 behaves, answering status queries) and a real
   `mpp-printer` agent; then issues N tickets one after another at the kiosk and measures
   from the POST /api/v1/tickets request to the last byte of that ticket received by the
   printer, and to the job's `printed` answer seen by the server.
Prints median, p90 and worst figures.

    .venv/bin/python bench/print_latency.py [--tickets 50] [--renders 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpp.services.demo import demo_device_token  # noqa: E402
from printer.layout import TicketPrint, paper, ticket_bytes  # noqa: E402
from printer.preview import ticket_png  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.agent_process import Agent  # noqa: E402
from tests.support.fake_printer import FakeNetworkPrinter, wait_for  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

KIOSK = demo_device_token(databases.TEST_SECRET, "kiosk-1")


def poll(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``check()`` with 2 ms resolution (the test helper polls every 100 ms)."""
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("timed out")
        time.sleep(0.002)


def ms(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[max(0, int(len(values) * 0.9) - 1)]
    return (f"median {statistics.median(values) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"
            f"   worst {values[-1] * 1000:7.1f} ms")


def bench_render(renders: int) -> None:
    ticket = TicketPrint(
        "A123", "Perekaman dan Pencetakan KTP-el", "Dinas Kependudukan dan Pencatatan Sipil",
        12, 35, datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Asia/Makassar")),
        "http://192.168.1.10:8080/t/Qm9uanVyLXRva2VuLXRva2Vu", "Mal Pelayanan Publik Kota "
        "Kendari", "Layanan tanpa pungutan liar. Pengaduan: SP4N-LAPOR! lapor.go.id")
    for width in ("58", "80"):
        p = paper(width)
        for name, fn in (("escpos", ticket_bytes), ("png", ticket_png)):
            times = []
            for _ in range(renders):
                t0 = time.perf_counter()
                out = fn(ticket, p)
                times.append(time.perf_counter() - t0)
            print(f"render {width} mm {name:6}  {len(out):6d} bytes   {ms(times)}")


def bench_paper(tickets: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = databases.sqlite_copy(databases.sqlite_template(folder / "tpl"), folder)
        server = LiveServer(url, folder / "live").start()
        printer = FakeNetworkPrinter()
        agent = Agent(server.url, printer.spec, folder / "journal.txt", folder / "agent.log")
        agent.start()
        try:
            session = requests.Session()
            sid = next(s["id"] for s in session.get(f"{server.url}/api/v1/services",
                                                    timeout=10).json()["services"]
                       if s["code"] == "KTP")
            headers = {"Authorization": f"Bearer {KIOSK}"}
            wait_for(lambda: session.get(f"{server.url}/api/v1/devices/printers",
                                         headers=headers, timeout=10)
                     .json()["printers"][0]["connected"], what="agent connected")
            to_paper, to_answer = [], []
            for n in range(tickets):
                t0 = time.perf_counter()
                r = session.post(f"{server.url}/api/v1/tickets", json={"service_id": sid},
                                 headers=headers, timeout=10)
                token = r.json()["ticket"]["token"]
                poll(lambda n=n: len(printer.jobs) > n)
                to_paper.append(time.perf_counter() - t0)
                poll(lambda token=token: session.get(
                    f"{server.url}/api/v1/tickets/by-token/{token}/print", timeout=10)
                    .json()["job"]["state"] == "printed")
                to_answer.append(time.perf_counter() - t0)
            numbers = printer.numbers()
            assert len(numbers) == len(set(numbers)) == tickets, numbers
            print(f"tap to paper   ({tickets} tickets)  {ms(to_paper)}")
            print(f"tap to answer  ({tickets} tickets)  {ms(to_answer)}  (polled over HTTP)")
        finally:
            agent.stop()
            printer.close()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    bench_render(args.renders)
    bench_paper(args.tickets)


if __name__ == "__main__":
    main()
