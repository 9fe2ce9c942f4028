"""Notification rules without a server: settings, signature, backoff, messages."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from mpp.domain import notifications as rules
from mpp.domain.errors import ValidationFailed

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_settings_need_an_http_url_and_a_secret():
    assert rules.parse_settings(None) is None
    s = rules.parse_settings({"webhook_url": "https://gw.example/hook", "secret": "x"})
    assert (s.webhook_url, s.secret, s.ahead) == ("https://gw.example/hook", "x", 3)
    for wrong in ({"webhook_url": "ftp://x", "secret": "x"}, {"webhook_url": "https://x"},
                  {"webhook_url": "https://x", "secret": "x", "ahead": 0}):
        with pytest.raises(ValidationFailed):
            rules.parse_settings(wrong)


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"id": "1"}'
    expected = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert rules.sign(body, "secret") == f"sha256={expected}"


def test_the_first_retry_comes_within_30_seconds_and_tries_go_on_past_five_minutes():
    assert rules.next_try(1, T0, T0) - T0 <= timedelta(seconds=30)
    now, tries = T0, 0
    while True:
        tries += 1
        later = rules.next_try(tries, T0, now)
        if later is None:
            break
        now = later
    assert now - T0 >= timedelta(minutes=5)
    assert now - T0 <= rules.GIVE_UP_AFTER


def test_only_a_2xx_answer_delivers():
    assert rules.delivered(200) and rules.delivered(204)
    assert not rules.delivered(None) and not rules.delivered(500) and not rules.delivered(302)


def test_messages_are_indonesian_and_name_what_matters():
    booking = {"code": "K7MX3P", "start": "2026-11-24T09:00:00+08:00",
               "service": {"name": "Paspor"}}
    assert "K7MX3P" in rules.message("booking.created", booking)
    assert "24-11-2026 pukul 09.00" in rules.message("booking.reminder", booking)
    ticket = {"number": "F007", "service": {"name": "Paspor"}, "counter": {"name": "Loket 3"}}
    assert rules.message("ticket.called", ticket) == \
        "Nomor antrian F007 dipanggil ke Loket 3. Silakan menuju loket."
    assert "tinggal 2 orang" in rules.message("ticket.near", ticket, ahead=2)
