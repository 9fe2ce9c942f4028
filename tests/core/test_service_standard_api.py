"""The published service standard through the API: English texts, hours in weekday order,
when a closed service opens next (issue 12)."""

from __future__ import annotations


def _service(api, code: str) -> dict:  # type: ignore[no-untyped-def]
    return next(s for s in api.get("/services").body["services"] if s["code"] == code)


def test_a_service_carries_its_english_texts_and_its_week(api):
    ktp = _service(api, "KTP")
    assert ktp["texts_en"]["requirements"][0] == "Photocopy of the family card (KK)"
    assert ktp["hours_week"] == [{"from": "mon", "to": "sun", "ranges": [["00:00", "24:00"]]}]
    assert ktp["opens_next"] is None


def test_a_closed_service_says_when_it_opens_next(api, clock):
    clock.advance(hours=6)   # Monday 15:00: passports closed at 14:00
    paspor = _service(api, "PASPOR")
    assert paspor["open"] is False
    assert paspor["opens_next"] == "2026-11-24T08:00:00+08:00"
