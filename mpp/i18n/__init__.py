"""One catalogue per language for every text a person reads.

Two kinds of catalogue, one file per language each, so a regional language is files, not a
code change:

- ``catalogues/<lang>.json``: the texts of the browser apps and of the pages that share
  their texts with a script (the status page, the counter console), one section per app
  (``{"status": {...}, "console": {...}}``). Pages embed their section; scripts may fetch
  the whole file at ``/i18n/<lang>.json``.
- ``gettext/<lang>/LC_MESSAGES/messages.po`` (compiled to ``.mo``): the server-only pages,
  through Flask-Babel. Message ids are the Indonesian texts, the hall's first language, so
  a translator into a regional language works from Indonesian.

Indonesian (``id``) is the reference: every other catalogue must have all its keys
(tests/core/test_translations.py fails otherwise); at run time a missing key still reads
in Indonesian rather than breaking a page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, jsonify

HERE = Path(__file__).resolve().parent
CATALOGUES = HERE / "catalogues"
GETTEXT = HERE / "gettext"
#: the reference language: the hall's first, and every catalogue's fallback
DEFAULT = "id"

bp = Blueprint("i18n", __name__)


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages with a catalogue, Indonesian first."""
    found = sorted(p.stem for p in CATALOGUES.glob("*.json"))
    return (DEFAULT, *(lang for lang in found if lang != DEFAULT))


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The whole JSON catalogue of ``lang`` as written (no fallback)."""
    with (CATALOGUES / f"{lang}.json").open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def section(name: str, lang: str) -> dict[str, str]:
    """One app's texts in ``lang``, any key it lacks read from Indonesian."""
    base = catalogue(DEFAULT).get(name, {})
    if lang == DEFAULT or lang not in languages():
        return dict(base)
    return {**base, **catalogue(lang).get(name, {})}


class Section(Mapping[str, dict[str, str]]):
    """``TEXTS[lang]`` for one app's section, for every language with a catalogue."""

    def __init__(self, name: str):
        self.name = name

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in languages():
            raise KeyError(lang)
        return section(self.name, lang)

    def __iter__(self) -> Iterator[str]:
        return iter(languages())

    def __len__(self) -> int:
        return len(languages())


@bp.get("/i18n/<lang>.json")
def catalogue_json(lang: str) -> Any:
    """A language's JSON catalogue for the browser apps (Indonesian fills what it lacks)."""
    if lang not in languages():
        abort(404)
    merged = {name: section(name, lang) for name in catalogue(DEFAULT)
              if not name.startswith("_")}
    response = jsonify({"language": lang, **merged})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def site_language(settings: Mapping[str, Any] | None) -> str:
    """A site's default language: its setting ``language`` (the site file's ``[site]
    language = "en"``) when that language has a catalogue, else Indonesian."""
    lang = (settings or {}).get("language")
    return lang if isinstance(lang, str) and lang in languages() else DEFAULT


def number_locale(lang: str) -> str:
    """The Babel locale numbers and dates are written in for ``lang``: the language itself
    when Babel's locale data knows it, else Indonesian (a regional language's file)."""
    from babel import localedata

    return lang if localedata.exists(lang) else DEFAULT


def angka(value: float | int | None, digits: int | None = None, lang: str = DEFAULT) -> str:
    """A number as a person reads it in ``lang`` (Indonesian: ``1.234,5``); ``digits``
    fixes the decimals; "–" for nothing. In templates: ``{{ x|angka(2) }}``."""
    from babel.numbers import format_decimal

    if value is None:
        return "–"
    if digits is None:
        whole = not isinstance(value, float) or value.is_integer()
        pattern = "#,##0" if whole else "#,##0.###"
    else:
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=lang)


def _reader_babel() -> type:
    """Flask-Babel whose message domain loads the gettext catalogue by the reader's language
    code itself (``gettext/<code>/LC_MESSAGES/messages.mo``), so a regional language that
    Babel's locale data does not know (Balinese ``ban``, Buginese ``bug``, …) is still a
    file, not a code change (Flask-Babel's own domain needs a known Babel locale)."""
    from babel import support
    from flask_babel import Babel, Domain

    from .selector import reader_language

    class ReaderDomain(Domain):  # type: ignore[misc]
        def get_translations(self) -> Any:
            lang = reader_language()
            key = (str(GETTEXT), lang)
            if key not in self.cache:
                self.cache[key] = support.Translations.load(str(GETTEXT), [lang], "messages")
            return self.cache[key]

    domain = ReaderDomain()

    class ReaderBabel(Babel):  # type: ignore[misc]
        @property
        def domain_instance(self) -> Domain:
            return domain

    return ReaderBabel


def babel_locale() -> str:
    """The reader's language for Flask-Babel's locale (dates, numbers): the language itself
    when Babel's locale data knows it, else Indonesian (the texts still come in the
    language, through _reader_babel)."""
    from babel import localedata

    from .selector import reader_language

    lang = reader_language()
    return lang if localedata.exists(lang) else DEFAULT


def init_i18n(app: Flask) -> None:
    """Flask-Babel for the server pages (gettext catalogues, the reader's language as the
    console and status page choose it) and the JSON catalogues' route."""
    from .selector import reader_language

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(GETTEXT))
    _reader_babel()(app, locale_selector=babel_locale)
    # the language gettext pages render in, for their <html lang>
    app.context_processor(lambda: {"reader_lang": reader_language()})
    app.add_template_filter(angka, "angka")
    # a page's section of the JSON catalogues: {% set t = i18n_section("survey", lang) %}
    app.add_template_global(section, "i18n_section")
    app.register_blueprint(bp)
