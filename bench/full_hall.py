"""A full hall on real servers: thousands of live screens connected while kiosks issue and
counters call at a large MPP's busiest hour × 10.

Set-ups (each over a fresh demo MPP):
  single:  one server process (`mpp run`, gevent worker) with --pages status pages, --boards
           display boards and --consoles counter consoles connected (default 2,000 + 50 + 20);
  redis:   two server processes on one PostgreSQL database sharing Redis, --redis-sockets
           screens (default 5,000) split between them; every call is made through process A,
           so boards on B hear it through Redis.
Before the screens connect, one waiting ticket is issued per status page (the citizens
waiting at the peak). Then, for --seconds, kiosks issue and counters call-next + finish at
--rate each per second (a large MPP's busiest hour is ~500 tickets; × 10 is ~1.4/s).

The screens are tests/support/crowd.py's raw Engine.IO clients (aiohttp WebSockets, one
asyncio loop per process): boards and consoles in one process, status pages in --crowd-procs
more (default 1). Every page notes when each `queue` frame came without decoding it; one page
in --decode-every (default 20) decodes it too, and `called` and `ticket` events are always
decoded. The pages' tickets are spread evenly over 7 services (a large hall has tens;
fewer services means more pages per service message, the harder case).

Printed: connect success and time, issue and call-next latency p50/p99, call → board and
call → the called citizen's status page p50/p99 (the `called` and `ticket` events, timed with
the system-wide monotonic clock; the screens run on the same machine, so the figures include
their own time to receive), answer → board (how long a board waited after the counter had
its call-next answer: the fan-out apart from a slow request), queue feed → status pages
(first `queue` event after each call at the pages of that service), queue messages per
page, the servers' memory (RSS) and CPU time beside the client processes' CPU time (if the
clients need more than the servers, the machine measures them, not the servers), and the
load average before and after. Goals: p99 ≤ 100 ms to boards, ≤ 1 s to status pages.

    .venv/bin/python bench/full_hall.py [--only single|redis] [--db sqlite|postgres]
        [--pages 2000] [--boards 50] [--consoles 20] [--redis-sockets 5000] [--seconds 60]
        [--decode-every 20] [--crowd-procs 1]
"""

from __future__ import annotations

import argparse
import bisect
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpp.services.demo import demo_device_token  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.busy_hall import pct  # noqa: E402
from tests.support.crowd import Crowd, Screen, Seen  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

SERVICES = ["KK", "AKTA", "SKCK", "JKN", "NIB", "PBG", "PAJAK"]  # no daily quota
COUNTERS = [("dukcapil1", "Loket 2", "DUKCAPIL"), ("dukcapil2", "Loket 3", "DUKCAPIL"),
            ("polresta1", "Loket 8", "POLRESTA"), ("bpjs1", "Loket 9", "BPJSKES"),
            ("dpmptsp1", "Loket 4", "DPMPTSP")]
PASSWORD = "petugas-mpp"


def ms(values: list[float]) -> str:
    return (f"p50 {pct(values, 50) * 1000:7.1f} ms  p99 {pct(values, 99) * 1000:7.1f} ms  "
            f"max {max(values, default=float('nan')) * 1000:7.1f} ms  (n={len(values)})")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def worker_pids(server: LiveServer) -> list[int]:
    """The server's processes: `mpp run` (gunicorn's arbiter) and its worker."""
    assert server.proc is not None
    pids = [server.proc.pid]
    for task in Path(f"/proc/{server.proc.pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(c) for c in children]
    return pids


def usage(pids: list[int]) -> tuple[float, float]:
    """(RSS in MB, CPU seconds) summed over the processes."""
    rss = cpu = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        rss += next(int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmRSS")) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / tick
    return rss, cpu


class Hall:
    """Kiosk and counter actions over HTTP, timed."""

    def __init__(self, url: str):
        self.url = url
        self.kiosk = demo_device_token(databases.TEST_SECRET, "kiosk-1")
        self.local = threading.local()
        services = requests.get(f"{url}/api/v1/services", timeout=30).json()["services"]
        self.sids = {s["code"]: s["id"] for s in services}
        counters = requests.get(f"{url}/api/v1/counters", timeout=30).json()["counters"]
        self.cids = {(c["name"], c["agency"]["code"]): c["id"] for c in counters}
        self.tokens: dict[str, str] = {}

    @property
    def http(self) -> requests.Session:
        if not hasattr(self.local, "s"):
            self.local.s = requests.Session()
        return self.local.s

    def post(self, path: str, token: str, body: Any = None) -> tuple[Any, float]:
        start = time.monotonic()
        r = self.http.post(f"{self.url}/api/v1{path}", json=body, timeout=60,
                           headers={"Authorization": f"Bearer {token}"})
        took = time.monotonic() - start
        if r.status_code not in (200, 201):
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
        return r.json(), took

    def issue(self, i: int) -> tuple[dict[str, Any], float]:
        body, took = self.post("/tickets", self.kiosk,
                               {"service_id": self.sids[SERVICES[i % len(SERVICES)]]})
        return body["ticket"], took

    def staff(self, user: str) -> str:
        if user not in self.tokens:
            r = self.http.post(f"{self.url}/api/v1/auth/login",
                               json={"username": user, "password": PASSWORD}, timeout=30)
            r.raise_for_status()
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]


@contextmanager
def database(db: str, workdir: Path) -> Iterator[str]:
    if db == "postgres":
        with databases.pg_template() as template, databases.pg_copy(template) as url:
            yield url
    else:
        yield databases.sqlite_copy(databases.sqlite_template(workdir), workdir)


def run(label: str, servers: list[LiveServer], pages: int, boards: int, consoles: int,
        args: argparse.Namespace) -> None:
    a = Hall(servers[0].url)
    print(f"\n== {label}: {len(servers)} process(es), {pages} status pages, {boards} boards, "
          f"{consoles} consoles ==")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with ThreadPoolExecutor(8) as pool:
        waiting = [t for t, _ in pool.map(a.issue, range(pages))]
    desks = [(user, a.cids[(name, agency)]) for user, name, agency in COUNTERS]
    for user, cid in desks:
        a.post(f"/counters/{cid}/open", a.staff(user))
    display = demo_device_token(databases.TEST_SECRET, "display-1")
    urls = [s.url for s in servers]
    # every page notes when each queue message came; one in --decode-every also decodes it
    screens = [Screen("page", urls[i % len(urls)], {"ticket_token": t["token"]}, t["number"],
                      decode=i % args.decode_every == 0)
               for i, t in enumerate(waiting)]
    screens += [Screen("board", urls[i % len(urls)], {"token": display}, f"board-{i}")
                for i in range(boards)]
    screens += [Screen("console", urls[i % len(urls)],
                       {"token": a.staff(COUNTERS[i % len(COUNTERS)][0])}, f"console-{i}")
                for i in range(consoles)]
    pids = [p for s in servers for p in worker_pids(s)]
    # boards and consoles in a process of their own, so that their timings do not wait
    # behind thousands of status pages' messages in the same client loop
    hall_screens = [s for s in screens if s.kind != "page"]
    page_screens = [s for s in screens if s.kind == "page"]
    crowds = [Crowd(hall_screens, timeout=900)] + [
        Crowd(page_screens[i::args.crowd_procs], timeout=900) for i in range(args.crowd_procs)]
    start = time.monotonic()
    with ExitStack() as stack:
        for crowd in crowds:
            stack.enter_context(crowd)
        connect_time = time.monotonic() - start
        seen: list[Seen] = [v for c in crowds for v in c.report()]
        ok = sum(1 for v in seen if v.connected_at is not None)
        errors = sorted({v.error for v in seen if v.error})
        print(f"connected {ok}/{len(seen)} in {connect_time:.1f} s"
              + (f"; errors: {errors[:3]}" if errors else ""))
        rss0, cpu0 = usage(pids)
        clients = [c.pid for c in crowds]
        ccpu0 = usage(clients)[1]

        issues: list[float] = []
        calls: list[tuple[str, float, float, int]] = []  # number, sent, took, service id
        stop = time.monotonic() + args.seconds
        period = 1 / args.rate

        def kiosks() -> None:
            i = 0
            while time.monotonic() < stop:
                t0 = time.monotonic()
                issues.append(a.issue(i)[1])
                i += 1
                time.sleep(max(0.0, period - (time.monotonic() - t0)))

        def counters() -> None:
            i = 0
            while time.monotonic() < stop:
                t0 = time.monotonic()
                user, cid = desks[i % len(desks)]
                i += 1
                sent = time.monotonic()
                body, took = a.post(f"/counters/{cid}/call-next", a.staff(user))
                ticket = body["ticket"]
                if ticket is not None:
                    calls.append((ticket["number"], sent, took, ticket["service"]["id"]))
                    a.post(f"/tickets/{ticket['id']}/finish", a.staff(user))
                time.sleep(max(0.0, period - (time.monotonic() - t0)))

        threads = [threading.Thread(target=kiosks), threading.Thread(target=counters)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(3)  # the last events in flight
        rss1, cpu1 = usage(pids)
        ccpu1 = usage(clients)[1]
        seen = [v for c in crowds for v in c.report()]

    sent_at = {n: s for n, s, _, _ in calls}
    to_boards = [t - sent_at[n] for v in seen if v.screen.kind in ("board", "console")
                 for t, n, recall in v.calls if n in sent_at and not recall]
    heard = sum(1 for v in seen if v.screen.kind == "board" for n in sent_at
                if n in {c[1] for c in v.calls})
    to_pages = []
    for v in seen:
        if v.screen.kind == "page" and v.screen.key in sent_at:
            called = [t for t, status, _ in v.tickets if status == "called"]
            if called:
                to_pages.append(called[0] - sent_at[v.screen.key])
    service_of = {t["number"]: t["service"]["id"] for t in waiting}
    feed = []
    page_views = [v for v in seen if v.screen.kind == "page"]
    arrivals = {id(v): [t for t, _ in v.queues] for v in page_views}
    for _number, sent, _, sid in calls:
        for v in page_views:
            if service_of.get(v.screen.key) == sid:
                times = arrivals[id(v)]
                i = bisect.bisect_left(times, sent)
                if i < len(times):
                    feed.append(times[i] - sent)
    frames = sum(len(times) for times in arrivals.values())
    print(f"kiosk issue        {ms(issues)}")
    print(f"call-next          {ms([t for _, _, t, _ in calls])}")
    print(f"call -> board      {ms(to_boards)}  boards heard {heard}/{len(calls) * boards} "
          "calls")
    # the board's wait beyond the call-next request that sent its event (negative: heard
    # before the counter had its answer), to tell the fan-out from a slow request
    answered = {n: s + took for n, s, took, _ in calls}
    after_answer = [t - answered[n] for v in seen if v.screen.kind == "board"
                    for t, n, recall in v.calls if n in answered and not recall]
    print(f"answer -> board    p50 {pct(after_answer, 50) * 1000:7.1f} ms  "
          f"p99 {pct(after_answer, 99) * 1000:7.1f} ms  (after the counter's answer)")
    print(f"call -> its page   {ms(to_pages)}")
    print(f"call -> queue feed {ms(feed)}  (place and estimate at the service's pages)")
    dropped = [v for v in seen if v.dropped_at is not None]
    if dropped:
        print(f"screens closed by the server during the run: {len(dropped)} "
              f"({sum(v.screen.kind == 'page' for v in dropped)} status pages)")
    print(f"queue messages: {frames} to {len(page_views)} pages in {args.seconds:.0f} s "
          f"({frames / max(len(page_views), 1) / args.seconds * 60:.1f} per page per minute)")
    print(f"servers: RSS {rss1:.0f} MB (was {rss0:.0f} MB with the screens connected), CPU "
          f"{cpu1 - cpu0:.1f} s over {args.seconds} s of work; the screens' client processes "
          f"{ccpu1 - ccpu0:.1f} s (on the same {os.cpu_count()} cores)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["single", "redis"])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="the single set-up's database (redis always uses PostgreSQL)")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--consoles", type=int, default=20)
    parser.add_argument("--redis-sockets", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=1.4,
                        help="issues per second, and calls per second")
    parser.add_argument("--decode-every", type=int, default=20,
                        help="one status page in this many decodes every queue message (the "
                             "others only note its arrival)")
    parser.add_argument("--crowd-procs", type=int, default=1,
                        help="client processes for the status pages (boards get one more)")
    parser.add_argument("--redis", default=os.environ.get("MPP_TEST_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    print(f"machine: {machine()}")
    env = {"MPP_SOCKETS_PER_ADDRESS": "100000",  # every screen comes from 127.0.0.1 here
           "MPP_LOGIN_RATE_LIMIT": "10000 per minute"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only in (None, "single"):
            with database(args.db, work / "single") as url:
                server = LiveServer(url, work / "single" / "live", extra_env=env).start()
                try:
                    run(f"single ({args.db})", [server], args.pages, args.boards,
                        args.consoles, args)
                finally:
                    server.stop()
        if args.only in (None, "redis"):
            channel = {"MPP_REDIS_CHANNEL": f"bench-{os.getpid()}"}
            with database("postgres", work / "redis") as url:
                servers = [LiveServer(url, work / "redis" / f"live-{i}", redis_url=args.redis,
                                      extra_env={**env, **channel}).start() for i in range(2)]
                try:
                    boards = args.boards
                    consoles = args.consoles
                    run("redis (postgres)", servers, args.redis_sockets - boards - consoles,
                        boards, consoles, args)
                finally:
                    for s in servers:
                        s.stop()


if __name__ == "__main__":
    main()
