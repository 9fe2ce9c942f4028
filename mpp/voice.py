"""Spoken announcements for the hall: the Indonesian phrase for a call, and its audio.

The audio is made on the server, offline, with espeak-ng's Indonesian voice (``-v id``) and
kept in a cache folder keyed by the phrase, so each phrase is synthesised once. The chime
that precedes every announcement is generated here in pure Python (no tool needed). When
espeak-ng is missing, :meth:`Voice.phrase_audio` raises :class:`VoiceUnavailable` and the
boards fall back to the chime and the text on screen.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import wave
from pathlib import Path

DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
#: Indonesian letter names, written so that the Indonesian voice says them as halls do
LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha",
    "I": "i", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe",
    "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks",
    "Y": "ye", "Z": "zet",
}
TICKET_NUMBER = re.compile(r"^([A-Z]{1,3})(\d{1,4})$")
ESPEAK_VOICE = "id"
ESPEAK_SPEED = 150  # words per minute; a little slower than espeak's 175 for a large hall
#: phrases not played for this long are deleted (a day's phrases are a few hundred MB)
CACHE_DAYS = 2
#: the most the phrase cache may hold; beyond it the least recently played go first
DEFAULT_CACHE_BYTES = 200 * 1024 * 1024
PRUNE_EVERY_SECONDS = 3600
CHIME_RATE = 22050


class VoiceUnavailable(RuntimeError):
    """No speech synthesiser on this server (or it failed): announce with the chime only."""


def number_words(n: int) -> str:
    """``n`` (0 to 999,999) in Indonesian words: 12 -> "dua belas", 101 -> "seratus satu"."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(f"out of range: {n}")
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{DIGITS[tens]} puluh" + (f" {DIGITS[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{DIGITS[hundreds]} ratus"
        return head + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return head + (f" {number_words(rest)}" if rest else "")


def spoken_ticket_number(number: str) -> str:
    """A ticket number as halls read it: the letter, then each digit ("a, nol, nol, tujuh")."""
    match = TICKET_NUMBER.match(number.strip().upper())
    if match is None:
        raise ValueError(f"not a ticket number: {number!r}")
    letters, digits = match.groups()
    return ", ".join([LETTERS[c] for c in letters] + [DIGITS[int(d)] for d in digits])


def spoken_counter(name: str) -> str:
    """A counter's name with its numbers in words: "Loket 12" -> "loket dua belas"."""
    words = re.sub(r"\d+", lambda m: " " + (number_words(int(m.group())) if len(m.group()) <= 6
                   else " ".join(DIGITS[int(d)] for d in m.group())) + " ", name)
    return " ".join(words.split()).lower()


def announcement_text(number: str, counter_spoken_name: str) -> str:
    """The phrase for one call: "Nomor antrian, a, nol, nol, tujuh. Silakan menuju, loket tiga."

    ``counter_spoken_name`` is the counter's ``spoken_name`` (digits are read as words).
    """
    return (f"Nomor antrian, {spoken_ticket_number(number)}. "
            f"Silakan menuju, {spoken_counter(counter_spoken_name)}.")


def _chime_frames(rate: int = CHIME_RATE) -> bytes:
    """A soft two-note "ding-dong" (E5 then C5, bell-like decay), 16-bit mono."""
    notes = ((659.25, 0.0, 0.9), (523.25, 0.55, 1.1))  # (frequency, start s, length s)
    total = int(rate * 1.75)
    samples = [0.0] * total
    for freq, start, length in notes:
        first = int(start * rate)
        for i in range(int(length * rate)):
            if first + i >= total:
                break
            t = i / rate
            attack = min(1.0, t / 0.01)
            envelope = attack * math.exp(-3.2 * t)
            tone = (math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(4 * math.pi * freq * t)
                    + 0.12 * math.sin(6 * math.pi * freq * t))
            samples[first + i] += 0.45 * envelope * tone
    peak = max(abs(s) for s in samples) or 1.0
    scale = 0.7 * 32767 / peak
    return b"".join(struct.pack("<h", int(s * scale)) for s in samples)


class Voice:
    """Makes and caches announcement audio (WAV files) in ``audio_dir``."""

    def __init__(self, audio_dir: Path, command: str | None = "espeak-ng",
                 voice: str = ESPEAK_VOICE, speed: int = ESPEAK_SPEED,
                 max_bytes: int = DEFAULT_CACHE_BYTES):
        self.audio_dir = Path(audio_dir)
        self.command = command
        self.voice = voice
        self.speed = speed
        self.max_bytes = max_bytes
        self._pruned_at = 0.0

    @property
    def available(self) -> bool:
        """Whether phrases can be spoken (espeak-ng is installed)."""
        return bool(self.command) and shutil.which(self.command or "") is not None

    def chime(self) -> Path:
        """The chime WAV, generated once."""
        path = self.audio_dir / "chime.wav"
        if not path.exists():
            self._write_atomically(path, self._write_chime)
        return path

    def phrase_audio(self, text: str) -> Path:
        """The WAV of ``text`` spoken in Indonesian, synthesised on first use and then cached."""
        if not self.available:
            raise VoiceUnavailable(f"{self.command or 'no speech synthesiser'} is not installed")
        key = hashlib.sha256(f"{self.voice}|{self.speed}|{text}".encode()).hexdigest()[:32]
        path = self.audio_dir / "phrases" / f"{key}.wav"
        if path.exists():
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept by prune()
            return path
        self._write_atomically(path, lambda target: self._speak(text, target))
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self.prune()
        self.cap(keep=path)
        return path

    def cap(self, keep: Path | None = None) -> int:
        """Delete the least recently played phrases while the cache holds more than
        ``max_bytes`` (never ``keep``, the one just made); returns how many were deleted."""
        files = []
        for wav in (self.audio_dir / "phrases").glob("*.wav"):
            with contextlib.suppress(OSError):
                st = wav.stat()
                files.append((st.st_mtime, st.st_size, wav))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, wav in sorted(files, key=lambda f: f[0]):
            if total <= self.max_bytes:
                break
            if keep is not None and wav == keep:
                continue
            with contextlib.suppress(OSError):
                wav.unlink()
                total -= size
                removed += 1
        return removed

    def prune(self, days: float = CACHE_DAYS) -> int:
        """Delete cached phrases not used for ``days``; returns how many were deleted."""
        self._pruned_at = time.monotonic()
        cutoff = time.time() - days * 86400
        removed = 0
        for old in (self.audio_dir / "phrases").glob("*.wav"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()
                    removed += 1
        return removed

    def _speak(self, text: str, target: Path) -> None:
        assert self.command is not None
        try:
            subprocess.run([self.command, "-v", self.voice, "-s", str(self.speed),
                            "-w", str(target), "--", text],
                           check=True, capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError) as exc:
            raise VoiceUnavailable(f"{self.command} failed: {exc}") from exc
        if target.stat().st_size <= 44:  # a WAV header and no sound
            raise VoiceUnavailable(f"{self.command} produced no audio")

    @staticmethod
    def _write_chime(target: Path) -> None:
        with wave.open(str(target), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(CHIME_RATE)
            w.writeframes(_chime_frames())

    def _write_atomically(self, path: Path, make) -> None:  # type: ignore[no-untyped-def]
        """Write through a temporary file and rename, so a reader never sees half a file
        and concurrent requests for the same phrase do not clash."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        os.close(fd)
        try:
            make(Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
