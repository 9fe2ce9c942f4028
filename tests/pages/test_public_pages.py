"""The hall's public pages (mpp/public_web): the home page and the published service
standards, as plain HTTP (they need no script), and in a phone-sized Chromium with axe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mpp.public_web.routes import hours_words, texts, wait_words

from ..support.browser import run_axe


def _text(html: str) -> str:
    """The page's words, tags dropped and white space folded (as a reader sees them)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _standard(html: str, code: str) -> str:
    """One service's folding standard on the standards page."""
    start = html.index(f'id="{code}"')
    return html[start:html.index("</details>", start)]


def _row(html: str, agency: str) -> str:
    """An agency's row of the home page's "Antrean saat ini", after its name."""
    row = re.search(rf'<tr><th scope="row"><a href="[^"]*#{agency}">[^<]*</a>(.*?)</tr>',
                    html, re.S)
    assert row is not None, agency
    return _text(row.group(1)).strip()


def test_the_home_page_shows_the_hall_now_and_leads_citizens_and_staff_on(client, api):
    api.issue("KTP")
    api.issue("KK")
    html = client.get("/").get_data(as_text=True)
    words = _text(html)
    assert "<h1>Mal Pelayanan Publik Kota Kendari</h1>" in html
    for href in ('href="/booking?lang=id"', 'href="/layanan?lang=id"',
                 'href="/pengaduan?lang=id"', 'href="/console"', 'href="/dashboard"',
                 'href="/admin"'):
        assert href in html
    # the queue now, by agency: Disdukcapil has its three services open and two waiting,
    # but no counter open yet, so no estimate
    assert _row(html, "DUKCAPIL") == "3 dari 3 layanan buka 2 belum ada loket buka"
    assert "Antrean saat ini" in words and "Untuk petugas" in words
    assert "Jl. Drs. H. Abdullah Silondae No. 8, Kendari" in words  # where the hall is
    assert "Maklumat pelayanan Dengan ini kami menyatakan sanggup" in words  # its pledge
    # Loket 1 opens for KTP: one waits, the published 30 minutes halved while none is done
    api.open_counter("dukcapil1", "Loket 1")
    html = client.get("/").get_data(as_text=True)
    assert _row(html, "DUKCAPIL") == "3 dari 3 layanan buka 2 ± 15 menit"
    ktp = _text(_standard(client.get("/layanan").get_data(as_text=True), "KTP"))
    assert "1 orang menunggu Perkiraan tunggu: ± 15 menit" in ktp
    kk = _text(_standard(client.get("/layanan").get_data(as_text=True), "KK"))
    assert "Perkiraan tunggu: belum ada loket buka" in kk


def test_the_standards_page_publishes_every_service_standard(client, clock):
    html = client.get("/layanan").get_data(as_text=True)
    words = _text(html)
    ktp = _standard(html, "KTP")
    assert "Perekaman dan Pencetakan KTP-el" in ktp
    assert "<li>Fotokopi Kartu Keluarga (KK)</li>" in ktp
    assert "Waktu penyelesaian" in ktp and "30 menit" in ktp and "Gratis" in ktp
    assert "Buka 24 jam" in ktp and "Dasar hukum" in ktp
    paspor = _text(_standard(html, "PASPOR"))
    # Monday 09:00 site time: Imigrasi takes tickets; its week in words, the Friday break out
    assert "Buka 0 orang menunggu" in paspor
    assert ("Senin–Kamis 08.00–14.00 · Jumat 08.00–11.30, 13.00–14.00 · Sabtu–Minggu tutup"
            in paspor)
    assert "Rp350.000" in paspor and "100 nomor antrean" in paspor
    assert 'href="/booking/' in _standard(html, "PASPOR")  # it takes bookings
    assert "Kantor Imigrasi" in words
    clock.set(clock.now() + timedelta(hours=6))  # 15:00: closed for the day, and says so
    paspor = _text(_standard(client.get("/layanan").get_data(as_text=True), "PASPOR"))
    assert "Tutup Layanan sudah tutup" in paspor


def test_the_public_pages_speak_english_when_asked_and_remember_it(client):
    html = client.get("/layanan?lang=en").get_data(as_text=True)
    words = _text(html)
    assert "Service standards" in words
    assert "Electronic ID card (KTP-el) enrolment and printing" in words
    assert ("Monday–Thursday 08:00–14:00 · Friday 08:00–11:30, 13:00–14:00 · "
            "Saturday–Sunday closed") in words
    assert 'href="/layanan?lang=id"' in html and "Bahasa Indonesia" in words
    assert "Service pledge We hereby undertake" in words
    assert "The queue now" in _text(client.get("/").get_data(as_text=True))
    assert "Antrean saat ini" in _text(client.get("/?lang=id").get_data(as_text=True))


def test_a_service_out_of_use_is_not_published(client, make):
    hidden = make.service(active=False, name="Layanan Lama")
    shown = make.service(name="Layanan Baru")
    html = client.get("/layanan").get_data(as_text=True)
    assert f'id="{shown}"' in html and f'id="{hidden}"' not in html


@pytest.mark.parametrize("groups,lang,words", [
    ([{"from": "mon", "to": "sun", "ranges": [["00:00", "24:00"]]}], "id", "Buka 24 jam"),
    ([{"from": "mon", "to": "fri", "ranges": [["08:00", "16:00"]]},
      {"from": "sat", "to": "sat", "ranges": [["08:00", "12:00"]]},
      {"from": "sun", "to": "sun", "ranges": []}], "id",
     "Senin–Jumat 08.00–16.00 · Sabtu 08.00–12.00 · Minggu tutup"),
    ([{"from": "mon", "to": "sun", "ranges": []}], "en", "Monday–Sunday closed"),
    ([], "id", ""),
])
def test_hours_are_worded_in_the_pages_language(groups, lang, words):
    assert hours_words(groups, texts(lang)) == words


@pytest.mark.parametrize("low,high,issuing,open_counters,lang,words", [
    (5, 20, True, 3, "id", "5–20 menit"),
    (15, 15, True, 1, "en", "about 15 min"),
    (0, 0, True, 2, "id", "segera"),
    (None, None, True, 0, "en", "no counter open yet"),
    (None, None, False, 0, "id", ""),  # takes no ticket now: its state says why
])
def test_the_wait_is_worded_as_the_board_estimates_it(low, high, issuing, open_counters,
                                                       lang, words):
    assert wait_words(low, high, issuing, open_counters, texts(lang)) == words


@pytest.mark.browser
def test_the_public_pages_pass_axe_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="id-ID", bypass_csp=True)
    try:
        page = context.new_page()
        for path in ("/", "/layanan"):
            page.goto(f"{live_server.url}{path}")
            if path == "/layanan":
                page.click("#KTP summary")  # a standard unfolded
                assert page.locator("#KTP h3").first.is_visible()
            # nothing wider than the phone: no sideways scrolling of the page
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            if path == "/":  # the queue's table fits too, with nothing to scroll sideways
                assert page.evaluate("""() => { const box = document.querySelector('.pb-scroll');
                    return box.scrollWidth <= box.clientWidth; }""")
            assert run_axe(page, live_server.url,
                           impacts=("minor", "moderate", "serious", "critical"),
                           run_only=["wcag2a", "wcag2aa", "wcag21aa"]) == [], path
    finally:
        context.close()
