"""The SKM as PermenPANRB 14/2017 asks it: each element's own answers, and the respondent's
profile, which the report tabulates (issue 12)."""

from __future__ import annotations


def _done_ticket(api, make) -> dict:  # type: ignore[no-untyped-def]
    desk = make.desk()
    t = api.issue(desk.code)
    cid = api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    assert api.post(f"/counters/{cid}/call-next", token=staff).body["ticket"]["id"] == t["id"]
    assert api.post(f"/tickets/{t['id']}/finish", token=staff).status == 200
    return t


def test_each_element_has_its_own_four_answers_and_the_profile_is_offered(api, make):
    t = _done_ticket(api, make)
    state = api.get(f"/surveys/by-token/{t['token']}").body
    by_code = {e["code"]: e for e in state["elements"]}
    assert by_code["U4"]["answers"] == ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
    assert by_code["U6"]["answers"][3] == "Sangat kompeten"
    assert by_code["U8"]["answers"][0] == "Tidak ada"
    assert [f["field"] for f in state["profile"]] == ["sex", "age", "education", "occupation"]


def test_the_profile_is_stored_optional_field_by_field_and_tabulated(api, make):
    t = _done_ticket(api, make)
    r = api.post("/surveys", {"token": t["token"], "scores": [4] * 9,
                              "respondent": {"sex": "L", "education": "SMA", "age": ""}})
    assert r.status == 201, r.body
    assert r.body["survey"]["respondent"] == {"sex": "L", "education": "SMA"}
    report = api.get("/reports/ikm?from=2026-11-23&to=2026-11-23",
                     token=api.login("manajer")).body
    table = {f["field"]: f for f in report["respondent_profile"]}
    assert {c["code"]: c["count"] for c in table["sex"]["choices"]} == {"L": 1, "P": 0}
    assert table["age"]["not_given"] == 1


def test_an_unknown_profile_answer_is_refused(api, make):
    t = _done_ticket(api, make)
    r = api.post("/surveys", {"token": t["token"], "scores": [4] * 9,
                              "respondent": {"education": "PhD"}})
    assert (r.status, r.error) == (422, "invalid_respondent")
