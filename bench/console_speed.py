"""How quickly the counter console answers on a slow office PC.

Starts `mpp run` over a fresh demo MPP, issues W waiting tickets to the services of one
counter, then opens the console in headless Chromium at 1024×768 with the CPU slowed
down R times (Chrome DevTools' CPU throttling, as a stand-in for an old office PC) and:
  1. load: from navigation to the console ready (session, counters, services loaded);
  2. open: from pressing "2" (open Loket 2) to the waiting list drawn;
  3. act:  from the key press to the new number on screen, for N rounds of Enter
           ("finish and call next"), measured inside the page (keydown to DOM change).
It prints median and worst figures in milliseconds.

    .venv/bin/python bench/console_speed.py [--waiting 200] [--rounds 20] [--throttle 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import databases  # noqa: E402
from tests.support.api import Api  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PROBE = """
window.__marks = [];
document.addEventListener("keydown", function () { window.__down = performance.now(); }, true);
document.addEventListener("DOMContentLoaded", function () {
  var number = document.getElementById("cs-number");
  if (!number) { return; }
  new MutationObserver(function () {
    if (window.__down) { window.__marks.push(performance.now() - window.__down); }
    window.__down = 0;
  }).observe(number, {childList: true, characterData: true, subtree: true});
});
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--throttle", type=float, default=6.0)
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="mpp-console-bench-"))
    url = databases.sqlite_copy(databases.sqlite_template(folder), folder)
    server = LiveServer(url, folder / "live",
                        extra_env={"MPP_LOGIN_RATE_LIMIT": "1000 per minute"}).start()
    try:
        hall = Api(server.url)
        for i in range(args.waiting):
            hall.issue("KTP" if i % 3 else "KK")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1024, "height": 768})
            context.add_init_script(PROBE)
            page = context.new_page()
            page.goto(f"{server.url}/login?next=/console")
            page.fill("input[name=username]", "dukcapil1")
            page.fill("input[name=password]", "petugas-mpp")
            page.click("button[type=submit]")
            page.wait_for_selector("body[data-ready=true]")
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})

            started = time.perf_counter()
            page.goto(f"{server.url}/console")
            page.wait_for_selector("body[data-ready=true]")
            load_ms = (time.perf_counter() - started) * 1000

            started = time.perf_counter()
            page.keyboard.press("2")
            expect(page.locator("#cs-waiting li")).to_have_count(args.waiting)
            open_ms = (time.perf_counter() - started) * 1000

            # the list shows before opening the counter is over; a key pressed then is dropped
            expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
            page.keyboard.press("n")
            expect(page.locator("#cs-number")).not_to_have_text("—")
            page.evaluate("window.__marks = []")
            for _ in range(args.rounds):
                before = page.locator("#cs-number").text_content()
                page.keyboard.press("Enter")
                expect(page.locator("#cs-number")).not_to_have_text(before or "")
            marks = page.evaluate("window.__marks")
            browser.close()
    finally:
        server.stop()

    print(f"console on a {args.throttle:g}x slowed CPU, {args.waiting} tickets waiting, "
          "1024x768")
    print(f"  load to ready:            {load_ms:7.0f} ms")
    print(f"  open counter, list drawn: {open_ms:7.0f} ms")
    if marks:
        print(f"  key to next number ({len(marks)} rounds of Enter): "
              f"median {statistics.median(marks):.0f} ms, worst {max(marks):.0f} ms")


if __name__ == "__main__":
    main()
