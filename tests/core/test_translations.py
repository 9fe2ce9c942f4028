"""One catalogue per language (mpp/i18n): every language has every text, the gettext
catalogues cover every message of the server pages and are compiled, and a page reads its
language from its catalogue (issue 12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
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


def _extracted() -> set[tuple[str | None, str]]:
    """The messages the server pages use now, (context, msgid), read from the files
    babel.cfg names (templates and Python) as pybabel extract makes the .pot."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (HERE / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    assert method_map
    found = {(context, message if isinstance(message, str) else message[0])
             for _, _, message, _, context in extract_from_dir(str(ROOT), method_map,
                                                                options_map)}
    assert found
    return found


def _ids(messages) -> set[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in messages if m.id}


def test_the_template_lists_every_message_of_the_server_pages():
    with (GETTEXT / "messages.pot").open(encoding="utf-8") as f:
        listed = _ids(read_po(f))
    assert _extracted() == listed, "run pybabel extract (see mpp/i18n/babel.cfg)"


def _gettext_gaps(po: Path) -> tuple[list[tuple[str, str]], bool]:
    """(the messages the server pages use that ``po`` lacks or leaves untranslated, whether
    its .mo is compiled from it as it is now)."""
    with po.open(encoding="utf-8") as f:
        texts = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string
                 for m in read_po(f) if m.id}
    missing = sorted((c or "", m) for c, m in _extracted() if not texts.get((c, m)))
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return missing, False
    with mo.open("rb") as f:
        compiled = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string
                    for m in read_mo(f) if m.id}
    return missing, compiled == texts


@pytest.mark.parametrize("po", sorted(GETTEXT.glob("*/LC_MESSAGES/messages.po")),
                         ids=lambda p: p.parts[-3])
def test_every_gettext_catalogue_translates_every_message_and_is_compiled(po):
    """A message missing in a language's .po (or left untranslated) fails, as does a .mo
    not compiled from the .po as it is now (the .mo files are committed)."""
    missing, compiled = _gettext_gaps(po)
    assert not missing, f"{po} lacks {missing}"
    assert compiled, "run pybabel compile -d mpp/i18n/gettext"


def _regional(tmp_path: Path, drop: str | None = None) -> tuple[Path, Path]:
    """A regional language ``ban`` (Balinese, which Babel's locale data does not know) as
    files only: a JSON catalogue and a gettext catalogue, both copied from the existing ones
    with marked texts; ``drop`` leaves one gettext message out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    catalogues = tmp_path / "catalogues"
    catalogues.mkdir(parents=True)
    for path in CATALOGUES.glob("*.json"):
        (catalogues / path.name).write_bytes(path.read_bytes())
    ban = json.loads((CATALOGUES / "id.json").read_text(encoding="utf-8"))
    ban["_language"] = "Basa Bali"
    (catalogues / "ban.json").write_text(json.dumps(ban), encoding="utf-8")
    gettext = tmp_path / "gettext"
    with (GETTEXT / "en" / "LC_MESSAGES" / "messages.po").open(encoding="utf-8") as f:
        po = read_po(f)
    for message in list(po):
        if message.id and message.id == drop:
            po.delete(message.id, context=message.context)
        elif message.id:
            message.string = f"[ban] {message.id}"
    folder = gettext / "ban" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as f:
        write_po(f, po)
    with (folder / "messages.mo").open("wb") as f:
        write_mo(f, po)
    return catalogues, gettext


def test_a_missing_gettext_message_in_a_language_is_caught(tmp_path):
    _, gettext = _regional(tmp_path, drop="Masuk petugas")
    missing, compiled = _gettext_gaps(gettext / "ban" / "LC_MESSAGES" / "messages.po")
    assert missing == [("", "Masuk petugas")] and compiled
    _, whole = _regional(tmp_path / "whole")
    assert _gettext_gaps(whole / "ban" / "LC_MESSAGES" / "messages.po") == ([], True)


def test_a_regional_language_unknown_to_babel_is_files_for_the_server_pages(
        tmp_path, monkeypatch, app):
    """Files only, no code: the sign-in page reads in it; Indonesian stays as it was."""
    import mpp.i18n as i18n

    catalogues, gettext = _regional(tmp_path)
    monkeypatch.setattr(i18n, "CATALOGUES", catalogues)
    monkeypatch.setattr(i18n, "GETTEXT", gettext)
    i18n.languages.cache_clear()
    i18n.catalogue.cache_clear()
    try:
        client = app.test_client()
        r = client.get("/login?lang=ban")
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and '<html lang="ban">' in html
        assert "<h1>[ban] Masuk petugas</h1>" in html
        assert "<h1>Masuk petugas</h1>" in client.get("/login?lang=id").get_data(as_text=True)
    finally:
        monkeypatch.undo()
        i18n.languages.cache_clear()
        i18n.catalogue.cache_clear()


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
    assert found and json.loads(found.group(1))["texts"]["bug"]["waiting_label"] == "Mattajeng"
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


@pytest.mark.parametrize("name", ["ticket", "notifications"])
def test_a_missing_ticket_or_notification_text_is_caught(name, monkeypatch):
    """The printed ticket's and the notifications' sections are checked like the others;
    the line reads in Indonesian meanwhile (issue 12)."""
    import mpp.i18n as i18n

    key = sorted(catalogue(DEFAULT)[name])[0]
    broken = {**catalogue("en"), name: {k: v for k, v in catalogue("en")[name].items()
                                        if k != key}}
    assert _keys(catalogue(DEFAULT)) - _keys(broken) == {f"{name}.{key}"}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: broken if lang == "en"
                        else catalogue(lang))
    assert i18n.section(name, "en")[key] == catalogue(DEFAULT)[name][key]
    assert i18n.section(name, "en") != i18n.section(name, DEFAULT)
