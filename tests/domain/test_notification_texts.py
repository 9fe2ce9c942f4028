"""The notifications' messages come from the catalogues' ``notifications`` section, in the
site's default language (issue 12); Indonesian stays the contract's default."""

from __future__ import annotations

from mpp.domain import notifications as rules
from mpp.i18n import DEFAULT, catalogue, section, site_language

BOOKING = {"code": "K7MX3P", "start": "2026-11-24T09:00:00+08:00",
           "service": {"name": "Perekaman KTP-el"}}
TICKET = {"number": "A012", "service": {"name": "Perekaman KTP-el"},
          "counter": {"name": "Loket 3"}}


def test_messages_are_the_catalogues_texts_in_the_sites_language():
    english = section("notifications", "en")
    assert rules.message("ticket.called", TICKET, texts=english) == \
        "Queue number A012 is called to Loket 3. Please go to the counter."
    assert rules.message("ticket.near", TICKET, 2, texts=english).startswith(
        "Queue number A012 (Perekaman KTP-el): 2 people left")
    assert "on 24/11/2026 at 09:00" in rules.message("booking.reminder", BOOKING,
                                                     texts=english)
    # without a language: the Indonesian the contract promises
    indonesian = rules.message("booking.created", BOOKING)
    assert indonesian == rules.message("booking.created", BOOKING,
                                       texts=section("notifications", DEFAULT))
    assert "kode K7MX3P, tanggal 24-11-2026 pukul 09.00" in indonesian
    assert rules.message("ticket.called", {**TICKET, "counter": None}).endswith(
        "dipanggil ke loket. Silakan menuju loket.")


def test_a_catalogues_text_is_what_is_sent_and_a_translators_slip_stops_nothing():
    texts = {**section("notifications", DEFAULT),
             "ticket_called": "Nomer {number} kaukin ka {counter}.",
             "ticket_near": "{number}: {ahead} {unknown} {"}
    assert rules.message("ticket.called", TICKET, texts=texts) == \
        "Nomer A012 kaukin ka Loket 3."
    assert rules.message("ticket.near", TICKET, 1, texts=texts) == "{number}: {ahead} {unknown} {"


def test_the_sites_language_is_its_setting_when_it_has_a_catalogue():
    assert site_language(None) == DEFAULT == site_language({})
    assert site_language({"language": "en"}) == "en"
    assert site_language({"language": "xx"}) == DEFAULT
    assert site_language({"language": ["en"]}) == DEFAULT
    assert set(catalogue("en")["notifications"]) == set(catalogue(DEFAULT)["notifications"])
