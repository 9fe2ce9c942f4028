"""The board page and its announcement audio.

The board connects to the ``/hall`` Socket.IO namespace with its device token; for each call
it asks ``/display/announcement`` (with the same token) for the phrase and its cached audio,
then plays the chime and the phrase in turn. Only a display device may ask, and only for a
call made today, so nobody can make the server synthesise and keep audio for made-up
numbers; the cache itself is bounded (``MPP_AUDIO_CACHE_MB``, mpp.voice).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify, render_template, request, send_file, url_for
from sqlalchemy import select

from mpp.api.auth import current_actor
from mpp.domain.errors import DomainError
from mpp.domain.ids import parse_id
from mpp.domain.numbering import business_date
from mpp.hall import current_hall
from mpp.i18n import DEFAULT, languages, section
from mpp.models import Counter, Service, Ticket, TicketEvent
from mpp.services.presenter import site_of
from mpp.voice import TICKET_NUMBER, Voice, VoiceUnavailable, announcement_text

from . import bp

AUDIO_KEY = re.compile(r"^[0-9a-f]{32}$")
#: browsers and the board may keep audio for a day; a phrase's file never changes
AUDIO_MAX_AGE = 86400


def current_voice() -> Voice:
    """The app's voice (one per app, made on first use from AUDIO_DIR and VOICE_COMMAND)."""
    voice = current_app.extensions.get("mpp_voice")
    if voice is None:
        voice = Voice(current_app.config["AUDIO_DIR"],
                      command=current_app.config.get("VOICE_COMMAND", "espeak-ng"),
                      max_bytes=int(current_app.config.get("AUDIO_CACHE_MB", 200)) * 1024 * 1024)
        current_app.extensions["mpp_voice"] = voice
    return voice


def _error(status: int, code: str, message: str) -> Any:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


@bp.get("")
def board() -> Any:
    """The hall display board for a TV: ``/display?token=DEVICE_TOKEN[&agencies=A,B][&lang=en]``.

    Its texts are the ``board`` section of the language's JSON catalogue (mpp/i18n), so any
    language with a catalogue file can be asked for; another falls back to Indonesian.
    ``lang=id,en`` names several: the labels then follow the running text's passes.
    """
    asked = [code for code in request.args.get("lang", DEFAULT).split(",") if code in languages()]
    langs = list(dict.fromkeys(asked)) or [DEFAULT]
    texts = {code: section("board", code) for code in langs}
    return render_template("display/board.html", lang=langs[0], texts=texts[langs[0]],
                           catalogue={"languages": langs, "texts": texts})


@bp.get("/announcement")
def announcement() -> Any:
    """The phrase for a call and the URL of its audio: ``?number=A007&counter_id=3``.

    Answers ``{"text", "audio_url", "chime_url", "voice"}``; ``audio_url`` is null (and
    ``voice`` false) when this server cannot speak, so the board shows the text only.
    """
    try:
        actor = current_actor()
    except DomainError as exc:
        return _error(exc.status, exc.code, exc.message)
    if actor is None:
        return _error(401, "auth_required", "Send the display's token: "
                      "Authorization: Bearer TOKEN.")
    if actor.role != "display":
        return _error(403, "forbidden_role", "Only display boards ask for announcements.")
    number = (request.args.get("number") or "").strip().upper()
    match = TICKET_NUMBER.match(number)
    if match is None:
        return _error(400, "invalid_number", "number must be a ticket number such as A007.")
    counter_id = parse_id(request.args.get("counter_id", ""))
    if counter_id is None:
        return _error(400, "invalid_counter_id", "counter_id must be a counter's id.")
    with current_hall().db.read() as s:
        counter = s.get(Counter, counter_id)
        if counter is None:
            return _error(404, "counter_not_found", f"Counter {counter_id} does not exist.")
        spoken = counter.spoken_name or counter.name
        prefixes = set(s.scalars(select(Service.prefix)))
        # Only numbers a service could issue, and only calls that happened today.
        if match.group(1) not in prefixes:
            return _error(404, "unknown_prefix",
                          f"No service issues numbers starting {match[1]}.")
        if not _called_today(s, number, counter_id):
            return _error(404, "call_not_found",
                          f"{number} was not called to {counter.name} today.")
    text = announcement_text(number, spoken)
    voice = current_voice()
    body: dict[str, Any] = {"number": number, "counter_id": counter_id, "text": text,
                            "chime_url": url_for("display.chime"), "audio_url": None,
                            "voice": False}
    try:
        path = voice.phrase_audio(text)
        body["audio_url"] = url_for("display.phrase", key=path.stem)
        body["voice"] = True
    except VoiceUnavailable as exc:
        current_app.logger.warning("announcement without voice: %s", exc)
        body["voice_error"] = str(exc)
    return jsonify(body)


def _called_today(s: Any, number: str, counter_id: int) -> bool:
    """Whether ticket ``number`` was called or recalled to the counter today (site time)."""
    hall = current_hall()
    today = business_date(hall.clock.now(), site_of(s).timezone)
    return s.scalars(
        select(TicketEvent.id).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.number == number, Ticket.business_date == today,
               TicketEvent.counter_id == counter_id,
               TicketEvent.kind.in_(["called", "recalled"])).limit(1)).first() is not None


@bp.get("/audio/chime.wav")
def chime() -> Any:
    """The two-note chime played before every announcement."""
    return send_file(current_voice().chime(), mimetype="audio/wav", max_age=AUDIO_MAX_AGE)


@bp.get("/audio/phrases/<key>.wav")
def phrase(key: str) -> Any:
    """A phrase made by ``/display/announcement`` (named by the hash of its text)."""
    if not AUDIO_KEY.match(key):
        return _error(404, "audio_not_found", "No such announcement audio.")
    path = current_voice().audio_dir / "phrases" / f"{key}.wav"
    if not path.exists():
        return _error(404, "audio_not_found", "No such announcement audio.")
    return send_file(path, mimetype="audio/wav", max_age=AUDIO_MAX_AGE)
