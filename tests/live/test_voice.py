"""Announcement phrases and their audio: espeak-ng's Indonesian voice, checked with sox."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mpp.services.demo import demo_device_token
from mpp.voice import (
    Voice,
    VoiceUnavailable,
    announcement_text,
    number_words,
    spoken_counter,
    spoken_ticket_number,
)

from ..conftest import make_app
from ..support.api import Api
from ..support.databases import TEST_SECRET
from ..support.factories import Factories

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="needs espeak-ng (scripts/system-deps.sh installs it)")
needs_sox = pytest.mark.skipif(shutil.which("sox") is None,
                               reason="needs sox (scripts/system-deps.sh installs it)")


def duration_seconds(path: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True,
                                check=True).stdout)


def rms_amplitude(path: Path, start: float = 0, length: float | None = None) -> float:
    trim = ["trim", str(start)] + ([str(length)] if length else [])
    out = subprocess.run(["sox", str(path), "-n", *trim, "stat"], capture_output=True,
                         text=True, check=True).stderr
    return float(re.search(r"RMS\s+amplitude:\s+([\d.]+)", out).group(1))


@pytest.mark.parametrize(("n", "words"), [
    (0, "nol"), (7, "tujuh"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"),
    (20, "dua puluh"), (45, "empat puluh lima"), (100, "seratus"), (101, "seratus satu"),
    (250, "dua ratus lima puluh"), (1000, "seribu"), (2026, "dua ribu dua puluh enam"),
])
def test_numbers_are_said_in_indonesian(n: int, words: str):
    assert number_words(n) == words


def test_a_ticket_number_is_read_letter_then_digit_by_digit():
    assert spoken_ticket_number("A007") == "a, nol, nol, tujuh"
    assert spoken_ticket_number("b120") == "be, satu, dua, nol"
    assert spoken_ticket_number("KB015") == "ka, be, nol, satu, lima"


@pytest.mark.parametrize("bad", ["", "007", "A-07", "A00000", "ÄB1", "A0 7"])
def test_anything_but_a_ticket_number_is_rejected(bad: str):
    with pytest.raises(ValueError):
        spoken_ticket_number(bad)


def test_counter_digits_become_words():
    assert spoken_counter("Loket 12") == "loket dua belas"
    assert spoken_counter("loket tiga") == "loket tiga"
    assert spoken_counter("Meja 3B") == "meja tiga b"
    assert spoken_counter("Loket10") == "loket sepuluh"


def test_the_phrase_names_the_number_and_the_counter():
    assert announcement_text("A007", "loket tiga") == (
        "Nomor antrian, a, nol, nol, tujuh. Silakan menuju, loket tiga.")


@needs_sox  # only to measure it: the chime itself is made without any tool
def test_the_chime_is_made_without_any_tool_and_has_sound(tmp_path: Path):
    chime = Voice(tmp_path, command=None).chime()
    assert chime.read_bytes()[:4] == b"RIFF"
    assert 1.5 < duration_seconds(chime) < 2.0
    assert rms_amplitude(chime, 0, 0.5) > 0.05


@needs_espeak
@needs_sox
def test_espeak_speaks_the_phrase_into_a_wav_with_sound(tmp_path: Path):
    voice = Voice(tmp_path)
    path = voice.phrase_audio(announcement_text("A007", "loket tiga"))
    assert 3.0 < duration_seconds(path) < 10.0
    assert rms_amplitude(path) > 0.02          # speech, not silence
    assert rms_amplitude(path, 0.3, 1.0) > 0.02  # it starts speaking at once


@needs_espeak
def test_a_phrase_is_synthesised_once_then_served_from_the_cache(tmp_path: Path):
    voice = Voice(tmp_path)
    first = voice.phrase_audio("Nomor antrian, a, nol, nol, satu.")
    inode = first.stat().st_ino  # a new synthesis would replace the file (a new inode)
    assert voice.phrase_audio("Nomor antrian, a, nol, nol, satu.") == first
    assert first.stat().st_ino == inode
    assert voice.phrase_audio("Nomor antrian, a, nol, nol, dua.") != first
    assert not list(first.parent.glob("*.part"))


def test_without_a_synthesiser_the_voice_says_it_is_unavailable(tmp_path: Path):
    voice = Voice(tmp_path, command="no-such-espeak")
    assert not voice.available
    with pytest.raises(VoiceUnavailable):
        voice.phrase_audio("Nomor antrian, a, nol, nol, satu.")


# -- over HTTP -------------------------------------------------------------------------------
@pytest.fixture
def voice_app(db_url: str, clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(db_url, clock, AUDIO_DIR=tmp_path / "audio")
    yield app
    app.extensions["mpp"].db.dispose()


def call_one(app) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Issue a ticket of a service of the test's own (prefix Q) and call it to its counter
    (spoken "loket uji"): (its number, the counter's id); the board may ask only for calls
    that happened."""
    make = Factories(app)
    code = make.service(prefix="Q")
    counter = make.counter_name(make.counter([code], spoken_name="loket uji"))
    clerk = make.staff()
    api = Api(app.test_client())
    number = api.issue(code)["number"]
    cid = api.open_counter(clerk, counter)
    api.post(f"/counters/{cid}/call-next", token=api.login(clerk))
    return number, cid


def board_headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + demo_device_token(TEST_SECRET, "display-1")}


@needs_espeak
@needs_sox
def test_announcement_gives_the_phrase_and_audio_that_plays(voice_app, tmp_path: Path):  # type: ignore[no-untyped-def]
    client = voice_app.test_client()
    number, cid = call_one(voice_app)
    assert number == "Q001"
    r = client.get(f"/display/announcement?number={number}&counter_id={cid}",
                   headers=board_headers())
    assert r.status_code == 200
    body = r.get_json()
    assert body["text"] == "Nomor antrian, ki, nol, nol, satu. Silakan menuju, loket uji."
    assert body["voice"] is True
    audio = client.get(body["audio_url"])
    assert audio.status_code == 200
    assert audio.mimetype == "audio/wav"
    saved = tmp_path / "served.wav"
    saved.write_bytes(audio.data)
    assert duration_seconds(saved) > 3.0
    assert rms_amplitude(saved) > 0.02
    chime = client.get(body["chime_url"])
    assert chime.status_code == 200 and chime.data[:4] == b"RIFF"


def test_without_espeak_the_announcement_is_text_only(db_url: str, clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(db_url, clock, AUDIO_DIR=tmp_path, VOICE_COMMAND="no-such-espeak")
    client = app.test_client()
    number, cid = call_one(app)
    body = client.get(f"/display/announcement?number={number}&counter_id={cid}",
                      headers=board_headers()).get_json()
    assert body["voice"] is False and body["audio_url"] is None
    assert body["text"] == "Nomor antrian, ki, nol, nol, satu. Silakan menuju, loket uji."
    assert client.get(body["chime_url"]).status_code == 200
    app.extensions["mpp"].db.dispose()


@pytest.mark.parametrize(("query", "status", "code"), [
    ("number=A007", 400, "invalid_counter_id"),
    ("number=A007&counter_id=x", 400, "invalid_counter_id"),
    ("number=A007&counter_id=99999", 404, "counter_not_found"),
    ("number=hello&counter_id={cid}", 400, "invalid_number"),
    ("counter_id={cid}", 400, "invalid_number"),
    ("number=Z001&counter_id={cid}", 404, "unknown_prefix"),
])
def test_bad_announcement_requests_get_a_clear_error(voice_app, query: str, status: int,  # type: ignore[no-untyped-def]
                                                     code: str):
    make = Factories(voice_app)
    cid = make.counter([make.service()])  # a counter that exists: only the number is wrong
    r = voice_app.test_client().get(f"/display/announcement?{query.format(cid=cid)}",
                                    headers=board_headers())
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code


@pytest.mark.parametrize("key", ["../../etc/passwd", "0" * 32, "abc"])
def test_only_made_phrases_are_served(voice_app, key: str):  # type: ignore[no-untyped-def]
    r = voice_app.test_client().get(f"/display/audio/phrases/{key}.wav")
    assert r.status_code == 404


@needs_espeak
def test_phrases_unused_for_days_are_pruned_and_used_ones_kept(tmp_path: Path):
    import os
    import time

    voice = Voice(tmp_path)
    old = voice.phrase_audio("Nomor antrian, a, nol, nol, satu.")
    kept = voice.phrase_audio("Nomor antrian, a, nol, nol, dua.")
    three_days_ago = time.time() - 3 * 86400
    os.utime(old, (three_days_ago, three_days_ago))
    os.utime(kept, (three_days_ago, three_days_ago))
    assert voice.phrase_audio("Nomor antrian, a, nol, nol, dua.") == kept  # played again
    assert voice.prune() == 1
    assert not old.exists() and kept.exists()
