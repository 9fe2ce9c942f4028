"""The printed ticket speaks the language the citizen used at the kiosk (issue 12): the
server writes the ticket's lines from the catalogues' ``ticket`` section into the print job
(``lang``, ``texts``), and the agent prints them. Tickets are taken at kiosk-1, paired with
printer-1, for a service of the test's own."""

from __future__ import annotations

import json

import pytest

from mpp.events import PRINT_JOB
from mpp.i18n import CATALOGUES
from mpp.models import Site
from printer.layout import TicketPrint, paper, ticket_bytes
from tests.printing.test_print_jobs import connect_agent
from tests.support.escpos_decode import Receipt, decode

ENGLISH = ("QUEUE NUMBER", "People ahead of you:", "Scan to follow your queue")
INDONESIAN = ("NOMOR ANTRIAN", "Menunggu di depan Anda:", "Pindai untuk memantau antrian")


@pytest.fixture
def service(make) -> str:
    return make.service()


@pytest.fixture
def agent(app, api):  # type: ignore[no-untyped-def]
    client = connect_agent(app, api)
    yield client
    client.disconnect("/print")


def printed(events, width: str = "80") -> tuple[dict, Receipt]:  # type: ignore[no-untyped-def,type-arg]
    """The last print job sent and what the agent prints from it."""
    job = events.named(PRINT_JOB)[-1].data
    return job, decode(ticket_bytes(TicketPrint.from_job(job), paper(width)))


def reads(receipt: Receipt, texts: tuple[str, ...]) -> bool:
    return all(any(t in line for line in receipt.texts()) for t in texts)


def mentions(receipt: Receipt, texts: tuple[str, ...]) -> bool:
    return any(t in line for t in texts for line in receipt.texts())


def test_a_ticket_taken_in_english_prints_english_one_in_indonesian_indonesian(
        api, events, agent, service) -> None:
    api.issue(service, lang="id")
    job, receipt = printed(events)
    assert job["lang"] == "id"
    assert reads(receipt, INDONESIAN) and not mentions(receipt, ENGLISH)
    assert receipt.line_with("Menunggu di depan Anda: 0 orang")

    ticket = api.issue(service, lang="en")
    job, receipt = printed(events, "58")
    assert job["lang"] == "en" and job["texts"]["people_ahead"] == "People ahead of you: 1"
    assert reads(receipt, ENGLISH) and not mentions(receipt, INDONESIAN)
    assert receipt.line_with(ticket["number"]).width >= 2
    # the day the ticket was taken, in English words
    assert any(day in " ".join(receipt.texts()) for day in
               ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))

    # a reprint keeps the ticket's language
    r = api.post(f"/tickets/{ticket['id']}/reprint", token=api.login("admin"))
    assert r.status == 200, r.body
    job, receipt = printed(events)
    assert job["reason"] == "reprint" and receipt.line_with("** REPRINT **").bold
    assert not mentions(receipt, ("CETAK ULANG",) + INDONESIAN)


def test_without_a_language_the_sites_default_is_printed(api, events, app, agent,
                                                         service) -> None:
    api.issue(service)
    job, receipt = printed(events)
    assert job["lang"] == "id" and reads(receipt, INDONESIAN)
    with app.extensions["mpp"].db.write() as s:
        site = s.query(Site).one()
        site.settings = {**site.settings, "language": "en"}
    api.issue(service)
    job, receipt = printed(events)
    assert job["lang"] == "en" and reads(receipt, ENGLISH)
    # a language the citizen chose still wins over the site's
    api.issue(service, lang="id")
    assert printed(events)[0]["lang"] == "id"


@pytest.mark.parametrize("lang", ["xx", "../id", "e" * 17, 7])
def test_a_language_without_a_catalogue_is_refused_clearly(api, service, lang) -> None:
    r = api.post("/tickets", {"service_id": api.service_id(service), "lang": lang},
                 token=api.device_token())
    assert r.status == 422, r.body
    assert r.body["error"]["message"]


def test_a_third_language_is_a_catalogue_file(api, events, agent, service, tmp_path,
                                              monkeypatch) -> None:
    """A regional language (Balinese, which Babel's locale data does not know) made by the
    test as a file only: the ticket prints its texts, numbers written as in Indonesian."""
    import mpp.i18n as i18n

    for path in CATALOGUES.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    ban = json.loads((CATALOGUES / "id.json").read_text(encoding="utf-8"))
    ban["_language"] = "Basa Bali"
    ban["ticket"] = {**ban["ticket"], "queue_number": "NOMER ANTRIAN",
                     "people_ahead": "Sane nyantos ring ajeng: {n} anak",
                     "scan": "Pindai anggen nginutin antrian",
                     "weekdays": "Soma,Anggara,Buda,Wraspati,Sukra,Saniscara,Redite"}
    (tmp_path / "ban.json").write_text(json.dumps(ban, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.languages.cache_clear()
    i18n.catalogue.cache_clear()
    try:
        api.issue(service, lang="ban")
    finally:
        monkeypatch.undo()
        i18n.languages.cache_clear()
        i18n.catalogue.cache_clear()
    job, receipt = printed(events)
    assert job["lang"] == "ban"
    assert reads(receipt, ("NOMER ANTRIAN", "Sane nyantos ring ajeng: 0 anak",
                           "Pindai anggen nginutin antrian"))
    assert any(day in " ".join(receipt.texts()) for day in ban["ticket"]["weekdays"].split(","))


def test_catalogue_numbers_follow_the_languages_locale() -> None:
    """Thousands are written the language's way (Indonesian 1.234, English 1,234)."""
    from mpp.services.printing import ticket_texts

    ticket = {"people_ahead": 1234, "estimated_wait_minutes": 1500,
              "issued_at": "2026-11-23T09:05:00+08:00", "priority": True,
              "priority_category": "elderly"}
    idn, eng = ticket_texts(ticket, "id"), ticket_texts(ticket, "en")
    assert idn["people_ahead"] == "Menunggu di depan Anda: 1.234 orang"
    assert eng["people_ahead"] == "People ahead of you: 1,234"
    assert (idn["wait"], eng["wait"]) == ("Perkiraan tunggu: 1.500 menit",
                                          "Estimated wait: 1,500 min")
    assert idn["taken_at"] == "Senin, 23-11-2026 09:05 WITA"
    assert eng["taken_at"] == "Monday 23/11/2026 09:05 WITA"
    assert (idn["priority"], eng["priority"]) == ("PRIORITAS: Lansia", "PRIORITY: Elderly")
    assert "reprint" not in idn and ticket_texts(ticket, "en", "reprint")["reprint"]


def test_a_ticket_taken_while_no_counter_serves_its_service_promises_no_wait() -> None:
    """Before staff sign in, 0 ahead is not "very soon" and 3 ahead not "15 min"."""
    from mpp.services.printing import ticket_texts

    for ahead, wait in ((0, 0), (3, 15)):
        ticket = {"people_ahead": ahead, "estimated_wait_minutes": wait, "open_counters": 0,
                  "issued_at": "2026-11-23T07:45:00+08:00"}
        idn, eng = ticket_texts(ticket, "id"), ticket_texts(ticket, "en")
        assert idn["wait"] == "Perkiraan tunggu: menunggu loket dibuka"
        assert eng["wait"] == "Estimated wait: once a counter opens"
    served = {"people_ahead": 0, "estimated_wait_minutes": 0, "open_counters": 1,
              "issued_at": "2026-11-23T08:05:00+08:00"}
    assert ticket_texts(served, "id")["wait"] == "Perkiraan tunggu: segera"


def test_the_sample_ticket_is_printed_in_the_sites_language(app) -> None:
    from mpp.services.printing import PrintingService

    svc: PrintingService = app.extensions["mpp_printing"]
    with app.extensions["mpp"].db.write() as s:
        site = s.query(Site).one()
        site.settings = {**site.settings, "language": "en"}
    job = svc.sample_for_print()
    receipt = decode(ticket_bytes(TicketPrint.from_job(job), paper("80")))
    assert job["lang"] == "en" and reads(receipt, ENGLISH)



def test_a_booking_checked_in_at_the_kiosk_prints_in_the_kiosks_language(
        app, api, events, agent) -> None:
    from tests.bookings.conftest import book, booking_service

    sid = booking_service(app)
    codes = [book(api, sid, start="2026-11-23T09:00:00+08:00", phone=f"0812 5555 000{i}")
             .ok()["booking"]["code"] for i in range(2)]
    kiosk = api.device_token()
    r = api.post("/bookings/check-in", {"code": codes[0], "lang": "xx"}, token=kiosk)
    assert (r.status, r.body["error"]["code"]) == (422, "invalid_lang")
    assert api.post("/bookings/check-in", {"code": codes[0], "lang": "en"},
                    token=kiosk).status == 201
    job, receipt = printed(events)
    assert job["lang"] == "en" and reads(receipt, ENGLISH) and not mentions(receipt, INDONESIAN)
    assert api.post("/bookings/check-in", {"code": codes[1]}, token=kiosk).status == 201
    job, receipt = printed(events)
    assert job["lang"] == "id" and reads(receipt, INDONESIAN)
