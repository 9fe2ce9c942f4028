"""Remote join and the kiosk's camera in headless Chromium (issue 10).

- On a phone (390x844): a ticket taken from the booking pages, whose status page says to
  check in and by when; checked in at the kiosk page by typing its code; the status page
  follows it to the call. axe-core finds no serious or critical violation.
- The kiosk reads a booking's QR code with its camera: Chromium's fake camera plays a Y4M
  video of the QR code (made with the ``qrcode`` package), the kiosk checks the booking in
  and shows the ticket.
- Without a camera the button says so, and typing the code still works.
- The counter console marks a remote ticket not checked in yet, and checks it in by code.

Screenshots go to test-output/screenshots/remote-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import qrcode
from playwright.sync_api import expect

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from ..kiosk.test_kiosk import KIOSK, PORTRAIT, open_kiosk
from ..support.api import Api
from ..support.browser import run_axe, sign_in
from ..support.factories import Desk, Factories

PHONE = {"width": 390, "height": 844}


def own_desk(server: Any, **fields: Any) -> Desk:
    """A service of the test's own on the server (fields as in the site file), its counter
    and clerk."""
    make = Factories.live(server)
    try:
        return make.desk(**fields)
    finally:
        make.close()


BOOKING = {"slot_minutes": 30, "per_slot": 2, "days_ahead": 14, "grace_minutes": 15}


def type_code(page: Any, code: str) -> None:
    for ch in code:
        page.click(f"#booking-keys button:text-is('{ch}')")


def test_a_citizen_joins_remotely_and_checks_in_at_the_kiosk(browser, live_server,
                                                             output_dir):
    base = live_server.url
    api = Api(base)
    phone = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True,
                                has_touch=True)
    kiosk = browser.new_context(viewport=PORTRAIT, locale="id-ID", has_touch=True,
                                bypass_csp=True)
    page, hall = phone.new_page(), kiosk.new_page()

    def shot(p: Any, name: str) -> None:
        p.screenshot(path=str(output_dir / "screenshots" / f"remote-{name}.png"),
                     full_page=True)

    try:
        page.goto(f"{base}/booking")
        page.get_by_role("link", name="Ambil antrean dari rumah").click()
        expect(page.locator("h1")).to_have_text("Ambil antrean dari rumah")
        expect(page.locator(".bk-lead")).to_contain_text("paling lambat 30 menit")
        assert run_axe(page, base) == []
        page.fill("#bk-phone", "0812 9876 5432")
        page.fill("#bk-name", "Siti Nurhaliza")
        shot(page, "1-form")
        page.get_by_role("button", name="Ambil antrean sekarang").click()
        page.wait_for_url(re.compile(r"/t/"))
        panel = page.locator("#st-checkin")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Belum check-in")
        expect(panel).to_contain_text(re.compile(r"paling lambat pukul \d\d\.\d\d"))
        code = page.locator("#st-checkin-code").inner_text()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code)
        assert page.locator(".st-checkin-qr").evaluate("img => img.naturalWidth > 0")
        number = page.locator("#st-number").inner_text()
        assert "9876" not in page.content()
        assert run_axe(page, base) == []
        shot(page, "2-status-awaiting")

        # a counter passes over it while it is not checked in
        counter = api.open_counter("dukcapil1", "Loket 3")
        staff = api.login("dukcapil1")
        while (called := api.post(f"/counters/{counter}/call-next",
                                  token=staff).ok()["ticket"]) is not None:
            assert called["number"] != number
            api.act("dukcapil1", called["id"], "finish")

        open_kiosk(hall, live_server, token=KIOSK)
        hall.click("#have-booking")
        hall.wait_for_selector("[data-screen=booking].active")
        type_code(hall, code)
        hall.click("#booking-go")
        expect(hall.locator("#t-number")).to_have_text(number)
        shot(hall, "3-kiosk-ticket")

        expect(panel).to_be_hidden()
        expect(page.locator("#st-checked-in")).to_be_visible()
        shot(page, "4-status-checked-in")
        assert api.call_next("dukcapil1", counter)["number"] == number
        expect(page.locator("#st-called")).to_be_visible()
        shot(page, "5-status-called")
    finally:
        phone.close()
        kiosk.close()


def write_y4m(path: Path, text: str, width: int = 640, height: int = 480,
              frames: int = 10) -> None:
    """A Y4M video (YUV 4:2:0) of the QR code of ``text`` on white, for Chromium's fake
    camera (``--use-file-for-fake-video-capture``)."""
    image = qrcode.make(text, border=4).get_image().convert("L")
    side = min(width, height) - 40
    image = image.resize((side, side))
    luma = bytearray(b"\xff" * (width * height))
    left, top = (width - side) // 2, (height - side) // 2
    pixels = image.tobytes()
    for y in range(side):
        row = (top + y) * width + left
        luma[row:row + side] = pixels[y * side:(y + 1) * side]
    chroma = b"\x80" * (width // 2 * height // 2)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_the_kiosk_reads_the_booking_qr_with_its_camera(browser, live_server, output_dir,
                                                         tmp_path):
    api = Api(live_server.url)
    sid = own_desk(live_server, booking=BOOKING).service_id
    slot = next(s for s in api.get(f"/services/{sid}/slots").ok()["slots"] if s["available"])
    booking = api.post("/bookings", {"service_id": sid, "start": slot["start"],
                                     "name": "Budi", "phone": "0812 1111 3333"}).ok()["booking"]
    video = tmp_path / "qr.y4m"
    write_y4m(video, booking["code"])
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport=PORTRAIT, locale="id-ID", has_touch=True,
                                     bypass_csp=True)
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        open_kiosk(page, live_server, token=KIOSK)
        page.click("#have-booking")
        page.wait_for_selector("[data-screen=booking].active")
        expect(page.locator("#booking-camera")).to_have_text("Pindai QR dengan kamera")
        page.click("#booking-camera")
        expect(page.locator("[data-screen=ticket]")).to_have_class(re.compile("active"),
                                                                   timeout=15000)
        number = page.inner_text("#t-number")
        expect(page.locator("#t-priority")).to_have_text("Booking online")
        page.screenshot(path=str(output_dir / "screenshots" / "remote-kiosk-camera.png"))
        held = api.get(f"/bookings/{booking['token']}").ok()["booking"]
        assert held["status"] == "checked_in" and held["ticket"]["number"] == number
        # the camera is let go once the code is read
        assert page.evaluate("document.getElementById('booking-video').srcObject") is None
    finally:
        camera.close()


def test_without_a_camera_the_button_says_so_and_typing_still_works(browser, live_server,
                                                                    output_dir):
    api = Api(live_server.url)
    sid = own_desk(live_server, booking=BOOKING).service_id
    slot = next(s for s in api.get(f"/services/{sid}/slots").ok()["slots"] if s["available"])
    booking = api.post("/bookings", {"service_id": sid, "start": slot["start"],
                                     "name": "Ani", "phone": "0812 1111 4444"}).ok()["booking"]
    context = browser.new_context(viewport=PORTRAIT, locale="id-ID", has_touch=True,
                                  bypass_csp=True)  # no camera, and no permission for one
    try:
        page = context.new_page()
        open_kiosk(page, live_server, token=KIOSK)
        page.click("#have-booking")
        page.wait_for_selector("[data-screen=booking].active")
        page.click("#booking-camera")
        button = page.locator("#booking-camera")
        expect(button).to_have_text("Kamera tidak tersedia")
        expect(button).to_be_disabled()
        expect(page.locator("#booking-camera-note")).to_have_text(re.compile(
            r"Kiosk ini tidak (diizinkan memakai|memiliki) kamera\. Ketik kode Anda"))
        page.screenshot(path=str(output_dir / "screenshots" / "remote-kiosk-no-camera.png"))
        page.click("#lang-toggle")
        expect(button).to_have_text("No camera available")
        page.click("#lang-toggle")
        type_code(page, booking["code"])
        page.click("#booking-go")
        expect(page.locator("[data-screen=ticket]")).to_have_class(re.compile("active"))
        expect(page.locator("#t-priority")).to_have_text("Booking online")
    finally:
        context.close()


def test_the_console_marks_a_remote_ticket_and_checks_it_in_by_its_code(page, live_server):
    api = Api(live_server.url)
    desk = own_desk(live_server, remote_join=True)
    joined = api.post("/tickets/remote", {"service_id": desk.service_id,
                                          "phone": "0812 5555 6666"}).ok()
    number, code = joined["ticket"]["number"], joined["remote"]["code"]
    sign_in(page, live_server.url, desk.staff)
    page.keyboard.press("1")  # the clerk's first (and only) counter
    expect(page.locator("#cs-counter-name")).to_have_text(desk.counter)
    row = page.locator("#cs-waiting li", has_text=number)
    expect(row.locator(".cs-wremote")).to_contain_text("Belum check-in")
    # the desk is drawn while the counter opens; it takes a check-in once that is done
    expect(page.locator("#cs-actions [data-action=call_next]")).to_be_enabled()
    page.fill("#cs-checkin-code", code.lower())
    page.press("#cs-checkin-code", "Enter")
    expect(page.locator("#cs-notice")).to_have_text(f"{number} sudah check-in dan masuk antrean.")
    expect(row.locator(".cs-wremote")).to_have_count(0)
    page.fill("#cs-checkin-code", code)
    page.press("#cs-checkin-code", "Enter")
    expect(page.locator("#cs-alert")).to_contain_text("sudah check-in")
