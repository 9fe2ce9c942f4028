"""Nobody can fill the disk through the board's announcements: only a display device may ask,
only for a call made today (A1, A01, A0001 are not A001), and the audio cache is bounded."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mpp.voice import Voice

from ..conftest import make_app
from ..support.api import Api
from ..support.factories import Desk, Factories


@pytest.fixture
def fake_voice(tmp_path: Path) -> str:
    """A stand-in synthesiser that writes a 100 kB "WAV" where espeak-ng would."""
    script = tmp_path / "fake-espeak"
    script.write_text('#!/bin/sh\nwhile [ "$1" != "-w" ]; do shift; done\n'
                      'head -c 100000 /dev/zero > "$2"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.fixture
def board_app(db_url, clock, tmp_path: Path, fake_voice: str):  # type: ignore[no-untyped-def]
    app = make_app(db_url, clock, AUDIO_DIR=tmp_path / "audio", VOICE_COMMAND=fake_voice)
    yield app
    app.extensions["mpp"].db.dispose()


def _phrases(app) -> list[Path]:  # type: ignore[no-untyped-def]
    return list((Path(app.config["AUDIO_DIR"]) / "phrases").glob("*.wav"))


def _ask(api: Api, number: str, counter_id: int, who: str | None = "display-1"):  # type: ignore[no-untyped-def]
    headers = {}
    if who is not None:
        token = api.device_token(who) if who.endswith("-1") else api.login(who)
        headers["Authorization"] = f"Bearer {token}"
    return api.client.get(f"/display/announcement?number={number}&counter_id={counter_id}",
                          headers=headers)


def _call(api: Api, desk: Desk) -> tuple[str, int]:
    """The desk's first ticket called to its counter: (number, counter id)."""
    number = api.issue(desk.code)["number"]
    cid = api.open_counter(desk.staff, desk.counter)
    api.post(f"/counters/{cid}/call-next", token=api.login(desk.staff))
    return number, cid


@pytest.fixture
def desk(board_app) -> Desk:  # type: ignore[no-untyped-def]
    """A service of the test's own (prefix Q), its counter and clerk."""
    return Factories(board_app).desk(prefix="Q")


@pytest.mark.parametrize(("who", "status", "code"), [
    (None, 401, "auth_required"), ("kiosk-1", 403, "forbidden_role"),
    ("clerk", 403, "forbidden_role"), ("admin", 403, "forbidden_role")])
def test_only_a_display_may_ask(board_app, desk, who, status, code):
    api = Api(board_app.test_client())
    number, cid = _call(api, desk)
    r = _ask(api, number, cid, desk.staff if who == "clerk" else who)
    assert (r.status_code, r.get_json()["error"]["code"]) == (status, code)
    assert _phrases(board_app) == []


def test_only_calls_that_happened_are_spoken(board_app, desk):
    api = Api(board_app.test_client())
    number, cid = _call(api, desk)
    assert number == "Q001"
    for made_up in ("Q1", "Q01", "Q0001", "Q002", "Q999", "A001"):
        r = _ask(api, made_up, cid)
        assert (r.status_code, r.get_json()["error"]["code"]) == (404, "call_not_found")
    other = Factories(board_app).counter([desk.code])  # serves it, but did not call it
    assert _ask(api, number, other).status_code == 404  # not called to that counter
    assert _phrases(board_app) == []
    r = _ask(api, number, cid)
    assert r.status_code == 200 and r.get_json()["voice"] is True
    assert len(_phrases(board_app)) == 1


def test_the_phrase_cache_never_grows_past_its_cap(tmp_path: Path, fake_voice: str):
    voice = Voice(tmp_path, command=fake_voice, max_bytes=350_000)
    made = []
    for i in range(8):
        made.append(voice.phrase_audio(f"Nomor antrian {i}."))
        os.utime(made[-1], (1_000_000 + i, 1_000_000 + i))  # distinct "last played" times
        total = sum(p.stat().st_size for p in (tmp_path / "phrases").glob("*.wav"))
        assert total <= 350_000
    # the most recently played stay; the oldest went first
    assert made[-1].exists() and made[-2].exists() and made[-3].exists()
    assert not made[0].exists()


def test_the_cap_comes_from_mpp_audio_cache_mb(db_url, clock, tmp_path: Path):
    from display.routes import current_voice

    app = make_app(db_url, clock, AUDIO_DIR=tmp_path, AUDIO_CACHE_MB=3)
    with app.app_context():
        assert current_voice().max_bytes == 3 * 1024 * 1024
    app.extensions["mpp"].db.dispose()
