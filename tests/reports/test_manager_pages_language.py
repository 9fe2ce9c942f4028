"""The manager pages' refusals and texts in the reader's language (issue 12): gettext for
the views' messages, the JSON catalogue for the dashboard; numbers stay Indonesian."""

from __future__ import annotations

import json
import re


def test_staff_are_refused_the_dashboard_in_their_language(api, make):  # type: ignore[no-untyped-def]
    assert api.sign_in(make.staff()).status == 302
    r = api.page("/dashboard?lang=en")
    assert r.status == 403 and "This page is for managers and admins." in r.text
    r = api.page("/dashboard?lang=id")
    assert r.status == 403 and "Halaman ini untuk manajer dan admin." in r.text
    r = api.page("/rate?lang=en")
    assert r.status == 404 and "Name the counter" in r.text


def test_the_dashboard_embeds_its_catalogue_section(api):  # type: ignore[no-untyped-def]
    assert api.sign_in("manajer").status == 302
    for lang, title in (("en", "Manager dashboard"), ("id", "Dasbor laporan")):
        html = api.page(f"/dashboard?lang={lang}").text
        assert f"<h1>{title}</h1>" in html and f'<html lang="{lang}">' in html
        found = re.search(r'<script type="application/json" id="dash-texts">(.*?)</script>',
                          html, re.S)
        assert found
        texts = json.loads(found.group(1))
        assert texts["title"] == title and texts["number_locale"] == "id-ID"
