"""The console and status pages as plain HTTP: who may open them, and what the first,
server-rendered view of a ticket shows (it must work without JavaScript)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mpp.console.texts import TEXTS as CONSOLE_TEXTS
from mpp.status.texts import TEXTS as STATUS_TEXTS

from ..support.sessions import sign_in


def test_console_sends_anonymous_visitors_to_the_login_form(client):
    r = client.get("/console")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=/console"


def test_staff_land_on_the_console_after_signing_in(client, make):
    clerk = make.staff()
    assert sign_in(client, clerk).status_code == 302
    r = client.get("/console")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Konsol Loket" in html and f"Petugas Uji {clerk}" in html  # the clerk's name
    assert 'data-action="call_next"' in html and 'aria-keyshortcuts="N"' in html


def test_console_tells_a_manager_it_is_for_counter_staff(client):
    assert sign_in(client, "manajer").status_code == 302
    r = client.get("/console")
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    assert "Konsol loket khusus petugas" in html
    assert "Anda masuk sebagai manajer" in html
    assert 'href="/dashboard"' in html


def test_console_speaks_english_when_asked_and_remembers_it(client, make):
    assert sign_in(client, make.staff()).status_code == 302
    assert "Counter Console" in client.get("/console?lang=en").get_data(as_text=True)
    assert "Counter Console" in client.get("/console").get_data(as_text=True)
    assert "Konsol Loket" in client.get("/console?lang=id").get_data(as_text=True)


def test_status_page_renders_number_service_and_status_without_javascript(client, api, make):
    code = make.service(prefix="Q", name="Perekaman KTP-el Uji")
    api.issue(code)
    ticket = api.issue(code)
    r = client.get(f"/t/{ticket['token']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<p class="st-number" id="st-number">Q002</p>' in html
    assert '<span id="st-service">Perekaman KTP-el Uji</span>' in html
    assert '<span class="st-status" id="st-status">Menunggu</span>' in html
    assert '<dd id="st-ahead">1</dd>' in html
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_status_page_shows_only_its_own_ticket(client, api, make):
    other = api.issue(make.service())
    mine = api.issue(make.service())
    html = client.get(f"/t/{mine['token']}").get_data(as_text=True)
    assert other["token"] not in html
    assert other["number"] not in html


def test_status_page_shows_the_counter_once_called(client, api, make):
    desk = make.desk()
    ticket = api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    api.post(f"/counters/{cid}/call-next", token=api.login(desk.staff))
    html = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert f'<p class="st-counter" id="st-counter">{desk.counter}</p>' in html
    assert "Silakan menuju" in html
    assert '<section class="st-callbox" id="st-called" role="alert">' in html


def test_status_page_of_an_unknown_token_is_a_readable_404(client):
    r = client.get("/t/not-a-real-token")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "Nomor antrian tidak ditemukan" in html
    assert client.get("/t/" + "x" * 500).status_code == 404


@pytest.mark.parametrize("lang", ["id", "en"])
def test_ticket_and_unknown_token_pages_share_one_header(client, api, make, lang):
    """Both pages come from one base (status/layout.html): the same head and header."""
    ticket = api.issue(make.service())
    pages = [client.get(f"/t/{ticket['token']}?lang={lang}"),
             client.get(f"/t/not-a-real-token?lang={lang}")]
    assert [p.status_code for p in pages] == [200, 404]
    headers = []
    for page in pages:
        html = page.get_data(as_text=True)
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert '<body class="status-page">' in html
        assert html.count('<header class="st-top">') == 1
        headers.append(re.search(r'<header class="st-top">.*?</header>', html, re.S).group(0))
    assert headers[0] == headers[1]
    site = {"en": "Kendari City Public Service Mall",
            "id": "Mal Pelayanan Publik Kota Kendari"}[lang]
    assert f'<span class="st-site">{site}</span>' in headers[0]
    assert f'href="?lang={"id" if lang == "en" else "en"}"' in headers[0]


def test_the_status_header_is_written_once():
    """A change to the header cannot miss one of the pages: one template holds it."""
    folder = Path(__file__).parents[2] / "mpp" / "status" / "templates" / "status"
    holders = [p.name for p in sorted(folder.glob("*.html")) if 'class="st-top"' in p.read_text()]
    assert holders == ["layout.html"]


def test_status_page_switches_to_english(client, api, make):
    ticket = api.issue(make.service(name="Perekaman KTP-el Uji",
                                    name_en="Electronic ID card test enrolment"))
    html = client.get(f"/t/{ticket['token']}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Your queue number" in html
    assert '<span id="st-service">Electronic ID card test enrolment</span>' in html
    assert 'href="?lang=id"' in html


def test_both_languages_say_everything():
    for texts in (CONSOLE_TEXTS, STATUS_TEXTS):
        assert set(texts["id"]) == set(texts["en"])
        assert all(texts["id"].values()) and all(texts["en"].values())


def test_every_page_names_the_halls_icon_and_favicon_ico_leads_to_it(client):
    """Browsers ask for /favicon.ico where a page names no icon (a 404 in every console)."""
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    moved = client.get("/favicon.ico")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
