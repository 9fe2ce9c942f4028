"""The SKM's wording (PermenPANRB 14/2017) lives in the language catalogues' ``skm``
section: each element's name, question and its own four answers, the profile's choices and
the grades' mutu; the API and the reports read it from there (issue 12)."""

from __future__ import annotations

import json

import pytest

from mpp.domain import ikm
from mpp.i18n import catalogue, languages
from mpp.services.survey import elements, profile_fields


@pytest.mark.parametrize("lang", languages())
def test_every_language_words_every_element_with_four_answers_and_every_choice(lang):
    w = catalogue(lang)["skm"]
    for code in ikm.ELEMENT_CODES:
        assert w[f"element.{code}"].strip() and w[f"question.{code}"].strip()
        answers = w[f"answers.{code}"]
        assert len(answers) == 4 and all(a.strip() for a in answers), (code, answers)
        assert len(set(answers)) == 4, (code, answers)
    for field, codes in ikm.PROFILE.items():
        assert w[f"profile.{field}"].strip()
        assert all(w[f"profile.{field}.{c}"].strip() for c in codes)
    assert all(w[f"mutu.{g}"].strip() for _, g in ikm.GRADES)


def test_the_api_and_the_report_read_the_catalogues_wording():
    by_code = {e["code"]: e for e in elements()}
    w_id, w_en = catalogue("id")["skm"], catalogue("en")["skm"]
    assert by_code["U4"]["answers"] == w_id["answers.U4"] == ["Sangat mahal", "Cukup mahal",
                                                             "Murah", "Gratis"]
    assert by_code["U4"]["answers_en"] == w_en["answers.U4"]
    assert by_code["U9"]["question"] == w_id["question.U9"]
    edu = next(f for f in profile_fields() if f["field"] == "education")
    assert [c["label"] for c in edu["choices"]][:2] == ["SD ke bawah", "SMP"]
    assert ikm.grade_of(ikm.compute([[4] * 9]).value) == ("A", "Sangat Baik", "Very good")
    table = ikm.profile_table([{"sex": "P"}])
    assert table[0]["choices"][1] == {"code": "P", "label": "Perempuan",
                                      "label_en": "Female", "count": 1}


def test_the_survey_page_carries_the_wording_of_its_language(app):
    """The page embeds its language's skm section; survey.js words the form from it, so a
    regional language's catalogue words the survey without a code change."""
    import re
    from types import SimpleNamespace

    from flask import render_template

    for lang in languages():
        with app.test_request_context(f"/t/x?lang={lang}"):
            html = render_template("status/survey.html", lang=lang,
                                   ticket=SimpleNamespace(token="x"))
        found = re.search(r'id="sv-texts">(.*?)</script>', html, re.S)
        assert found
        assert json.loads(found.group(1))["skm"] == catalogue(lang)["skm"]
