"""One catalogue per language (mpp/i18n): every language has every text, the gettext
catalogues cover every message of the server pages and are compiled, and a page reads its
language from its catalogue (issue 12)."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from mpp.i18n import CATALOGUES, DEFAULT, GETTEXT, HERE, catalogue, languages, section

ROOT = HERE.parents[1]


def _keys(tree: dict, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
    out = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out |= _keys(value, path + ".") if isinstance(value, dict) else {path}
    return out


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != DEFAULT])
def test_every_json_catalogue_has_every_key_of_the_indonesian_one(lang):
    missing = _keys(catalogue(DEFAULT)) - _keys(catalogue(lang))
    extra = _keys(catalogue(lang)) - _keys(catalogue(DEFAULT))
    assert not missing, f"{lang}.json lacks {sorted(missing)}"
    assert not extra, f"{lang}.json has keys Indonesian does not: {sorted(extra)}"
    empty = [k for k, v in catalogue(lang)["console"].items() if not str(v).strip()]
    assert not empty, empty


def test_a_missing_key_is_caught_and_reads_in_indonesian_meanwhile(tmp_path, monkeypatch):
    """The check above really fails on a gap; the page falls back to Indonesian."""
    import mpp.i18n as i18n

    broken = dict(catalogue("en"))
    broken["status"] = {k: v for k, v in broken["status"].items() if k != "next_up"}
    assert "status.next_up" in _keys(catalogue(DEFAULT)) - _keys(broken)
    monkeypatch.setattr(i18n, "catalogue", lambda lang: broken if lang == "en"
                        else catalogue(lang))
    assert i18n.section("status", "en")["next_up"] == catalogue(DEFAULT)["status"]["next_up"]


def test_a_language_is_a_file(tmp_path, monkeypatch):
    """A regional language needs its catalogue file only: it is then a language."""
    import mpp.i18n as i18n

    for path in CATALOGUES.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bug.json").write_text((CATALOGUES / "id.json").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.languages.cache_clear()
    try:
        assert i18n.languages() == ("id", "bug", "en")
    finally:
        monkeypatch.undo()
        i18n.languages.cache_clear()
    assert section("console", "en")["title"] == "Counter Console"


def _extracted() -> set[str]:
    """The messages the server pages use now, read from the files babel.cfg names, as
    pybabel extract makes the .pot."""
    files = re.findall(r"^\[jinja2: (.+)\]$", (HERE / "babel.cfg").read_text(), re.M)
    assert files
    return {message for path in files
            for _, message, _, _ in extract_from_file("jinja2", str(ROOT / path))}


def test_the_template_lists_every_message_of_the_server_pages():
    with (GETTEXT / "messages.pot").open(encoding="utf-8") as f:
        listed = {m.id for m in read_po(f) if m.id}
    assert _extracted() == listed, "run pybabel extract (see mpp/i18n/babel.cfg)"


@pytest.mark.parametrize("po", sorted(GETTEXT.glob("*/LC_MESSAGES/messages.po")),
                         ids=lambda p: p.parts[-3])
def test_every_gettext_catalogue_translates_every_message_and_is_compiled(po):
    with po.open(encoding="utf-8") as f:
        texts = {m.id: m.string for m in read_po(f) if m.id}
    missing = sorted(m for m in _extracted() if not texts.get(m))
    assert not missing, f"{po} lacks {missing}"
    with po.with_suffix(".mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == texts, "run pybabel compile -d mpp/i18n/gettext"


def test_the_sign_in_page_reads_english_from_its_catalogue(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "<h1>Staff sign-in</h1>" in html and '<html lang="en">' in html
    assert "Masuk petugas" not in html
    html = client.get("/login").get_data(as_text=True)
    assert "<h1>Masuk petugas</h1>" in html and '<html lang="id">' in html


def test_the_browser_apps_get_a_languages_catalogue(client):
    r = client.get("/i18n/en.json")
    assert r.status_code == 200
    assert r.get_json()["status"]["next_up"] == "You are next"
    assert client.get("/i18n/xx.json").status_code == 404


def _flat(tree: dict, prefix: str = "") -> dict[str, str]:  # type: ignore[type-arg]
    out: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out.update(_flat(value, path + ".") if isinstance(value, dict) else {path: value})
    return out


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != DEFAULT])
def test_every_translation_keeps_the_placeholders_of_the_indonesian_text(lang):
    base, other = _flat(catalogue(DEFAULT)), _flat(catalogue(lang))
    wrong = {key: text for key, text in other.items() if key in base
             and set(re.findall(r"\{(\w+)\}", str(text)))
             != set(re.findall(r"\{(\w+)\}", str(base[key])))}
    assert not wrong, wrong


def test_the_kiosk_embeds_every_languages_texts_indonesian_first(client):
    html = client.get("/kiosk").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="kiosk-texts">(.*?)</script>',
                      html, re.S)
    assert found
    import json

    data = json.loads(found.group(1))
    assert data["languages"] == list(languages())
    assert data["texts"]["en"]["take_ticket"] == "Take a queue number"
    assert data["texts"]["id"]["_language"] == "Bahasa Indonesia"


def test_the_board_reads_its_texts_from_the_catalogue_so_a_language_is_a_file(
        client, tmp_path, monkeypatch):
    """/display?lang=X embeds the `board` section of X's catalogue; a new file is enough."""
    import json

    import mpp.i18n as i18n

    for path in CATALOGUES.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    bug = json.loads((CATALOGUES / "id.json").read_text(encoding="utf-8"))
    bug["_language"] = "Basa Ugi"
    bug["board"] = {**bug["board"], "title": "Papan antiri", "waiting_label": "Mattajeng"}
    (tmp_path / "bug.json").write_text(json.dumps(bug, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.languages.cache_clear()
    try:
        html = client.get("/display?lang=bug").get_data(as_text=True)
    finally:
        monkeypatch.undo()
        i18n.languages.cache_clear()
    assert "<title>Papan antiri — MPP</title>" in html
    found = re.search(r'id="board-texts">(.*?)</script>', html, re.S)
    assert found and json.loads(found.group(1))["waiting_label"] == "Mattajeng"
    # a language without a catalogue reads Indonesian
    assert "<title>Papan antrian — MPP</title>" in client.get("/display?lang=xx").get_data(
        as_text=True)


def test_the_boards_script_holds_no_text_of_its_own():
    """Every text the board shows comes from its catalogue section, none from board.js."""
    script = (ROOT / "display" / "static" / "board.js").read_text(encoding="utf-8")
    for lang in languages():
        texts = section("board", lang)
        written = [t for key, t in texts.items() if key != "locale" and len(t) > 1
                   and any(f"{q}{t}{q}" in script for q in "\"'`")]
        assert not written, f"board.js spells {lang} texts itself: {written}"
