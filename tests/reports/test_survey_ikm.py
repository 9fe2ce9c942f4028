"""SKM answers and the IKM of PermenPANRB 14/2017, worked by hand."""

from __future__ import annotations

import csv
import io
import threading
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from mpp.domain import ikm

from ..support.api import Api
from ..support.factories import Desk, Factories

# Five respondents. Hand-worked (each column is an element U1..U9):
#   sums over all five: 16 18 16 20 15 18 19 14 17  -> total 153
#   NRR per element = sum / 5: 3.2 3.6 3.2 4.0 3.0 3.6 3.8 2.8 3.4
#   mean of the nine NRR = 153 / 45 = 3.4;  IKM = 25 x 3.4 = 85.00 -> B (Baik)
#   service A (first three): total 96 -> 25 x 96 / 27 = 88.888... -> 88.89 -> A
#   service B (last two):    total 57 -> 25 x 57 / 18 = 79.1666... -> 79.17 -> B
ANSWERS = [
    ("A", [4, 4, 3, 4, 3, 4, 4, 3, 3]),
    ("A", [3, 3, 3, 4, 3, 3, 4, 2, 3]),
    ("A", [4, 4, 4, 4, 4, 4, 4, 4, 4]),
    ("B", [2, 3, 3, 4, 2, 3, 3, 2, 3]),
    ("B", [3, 4, 3, 4, 3, 4, 4, 3, 4]),
]


def test_ikm_of_known_answers_equals_the_regulation_worked_by_hand():
    result = ikm.compute([a for _, a in ANSWERS])
    assert result is not None
    assert result.respondents == 5
    assert result.element_sums == (16, 18, 16, 20, 15, 18, 19, 14, 17)
    assert [float(x) for x in result.element_averages] == [3.2, 3.6, 3.2, 4.0, 3.0, 3.6, 3.8,
                                                           2.8, 3.4]
    assert result.exact == Fraction(85)
    assert result.value == Decimal("85.00")
    assert result.grade == "B"
    d = result.as_dict()
    assert (d["ikm"], d["grade"], d["mutu"]) == (85.0, "B", "Baik")


def test_published_ikm_is_rounded_half_up_and_graded_from_the_published_value():
    # 5000 answers totalling 158949 give exactly 25 x 158949 / 45000 = 88.305:
    # half-up publishes 88.31 (grade A); banker's rounding would publish 88.30 (B).
    sums = [17661] * 8 + [158949 - 8 * 17661]
    result = ikm.from_sums(5000, sums)
    assert result is not None
    assert result.exact == Fraction(88305, 1000)
    assert result.value == Decimal("88.31")
    assert result.grade == "A"
    just_below = ikm.from_sums(5000, [17661] * 8 + [158949 - 8 * 17661 - 1])
    assert just_below is not None and just_below.value == Decimal("88.30")
    assert just_below.grade == "B"


@pytest.mark.parametrize(("published", "grade"), [
    ("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
    ("65.00", "C"), ("64.99", "D"), ("25.00", "D")])
def test_grade_boundaries(published, grade):
    assert ikm.grade_of(Decimal(published))[0] == grade


def test_no_answers_gives_no_index():
    assert ikm.compute([]) is None


def _serve(api: Api, clock, code: str, clerk: str, counter_id: int,  # type: ignore[no-untyped-def]
           minutes: int = 4) -> dict:
    t = api.issue(code)
    staff = api.login(clerk)
    r = api.post(f"/counters/{counter_id}/call-next", token=staff)
    assert r.body["ticket"]["id"] == t["id"]
    clock.advance(minutes=minutes)
    assert api.post(f"/tickets/{t['id']}/finish", token=staff).status == 200
    return t


def _open_desk(api: Api, make: Factories) -> Desk:
    desk = make.desk()
    api.open_counter(desk.staff, desk.counter)
    return desk


def test_ikm_per_service_agency_and_period_from_answers_through_the_api(any_app, clock):
    api, make = Api(any_app.test_client()), Factories(any_app)
    first = _open_desk(api, make)  # service A
    second = make.service()  # service B, served with C (which gets no answers) at one counter
    unanswered = make.service()
    counter = make.counter([second, unanswered])
    clerk = make.staff()
    api.open_counter(clerk, make.counter_name(counter))
    codes = {"A": first.code, "B": second}
    for label, scores in ANSWERS:
        if label == "A":
            t = _serve(api, clock, first.code, first.staff, first.counter_id, minutes=3)
        else:
            t = _serve(api, clock, second, clerk, counter)
        r = api.post("/surveys", {"token": t["token"], "scores": scores})
        assert r.status == 201, r.body
    r = api.get("/reports/ikm?from=2026-11-23&to=2026-11-23", token=api.login("manajer"))
    assert r.status == 200, r.body
    body = r.body
    assert (body["total"]["ikm"], body["total"]["grade"], body["total"]["respondents"]) == \
        (85.0, "B", 5)
    assert [e["average"] for e in body["total"]["elements"]] == [3.2, 3.6, 3.2, 4.0, 3.0, 3.6,
                                                                 3.8, 2.8, 3.4]
    by_service = {s["code"]: s for s in body["by_service"]}
    a, b = by_service[codes["A"]], by_service[codes["B"]]
    assert (a["ikm"], a["grade"]) == (88.89, "A")
    assert (b["ikm"], b["grade"]) == (79.17, "B")
    assert by_service[unanswered]["respondents"] == 0 and "ikm" not in by_service[unanswered]
    by_agency = {a["code"]: a for a in body["by_agency"]}
    assert by_agency["UJI"]["ikm"] == 85.0
    # the daily report carries the same index, and the previous day had none
    daily = api.get("/reports/daily?date=2026-11-23", token=api.login("manajer")).body
    assert daily["ikm"]["total"]["ikm"] == 85.0
    assert daily["previous"]["ikm"] is None
    # the exports carry the index too
    auth = {"Authorization": f"Bearer {api.login('manajer')}"}
    raw = api.client.get("/api/v1/reports/daily?date=2026-11-23&format=csv", headers=auth)
    rows = list(csv.DictReader(io.StringIO(raw.data.decode("utf-8-sig"))))
    total = next(r for r in rows if r["section"] == "total")
    assert (total["ikm"], total["ikm_grade"], total["ikm_respondents"]) == ("85.0", "B", "5")
    kk = next(r for r in rows if r["section"] == "service" and r["code"] == codes["B"])
    assert (kk["ikm"], kk["ikm_grade"]) == ("79.17", "B")
    book = load_workbook(io.BytesIO(api.client.get(
        "/api/v1/reports/daily?date=2026-11-23&format=xlsx", headers=auth).data))
    sheet = list(book["IKM"].iter_rows(values_only=True))
    ktp = next(dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]
               if r[0] == "service" and r[2] == codes["A"])
    assert (ktp["respondents"], ktp["ikm"], ktp["grade"]) == (3, 88.89, "A")
    assert ktp["U1"] == 3.667  # 11 / 3, three decimals half-up
    # another period has no answers
    other = api.get("/reports/ikm?from=2026-11-24&to=2026-11-30", token=api.login("manajer"))
    assert other.body["total"] is None


def test_survey_is_refused_before_the_ticket_is_done_and_after_it_is_answered(api, make,
                                                                             clock):
    desk = make.desk()
    t = api.issue(desk.code)
    good = [3] * 9
    r = api.post("/surveys", {"token": t["token"], "scores": good})
    assert (r.status, r.error) == (409, "ticket_not_done")
    state = api.get(f"/surveys/by-token/{t['token']}").body
    assert (state["ticket_status"], state["open"], state["answered"]) == ("waiting", False, False)
    assert len(state["elements"]) == 9
    api.open_counter(desk.staff, desk.counter)
    staff = api.login(desk.staff)
    api.post(f"/counters/{desk.counter_id}/call-next", token=staff)
    assert api.post(f"/tickets/{t['id']}/finish", token=staff).status == 200
    assert api.get(f"/surveys/by-token/{t['token']}").body["open"] is True
    first = api.post("/surveys", {"token": t["token"], "scores": good, "comment": "Baik"})
    assert first.status == 201
    again = api.post("/surveys", {"token": t["token"], "scores": [4] * 9})
    assert (again.status, again.error) == (409, "survey_already_answered")
    assert api.get(f"/surveys/by-token/{t['token']}").body["answered"] is True


@pytest.mark.parametrize(("scores", "status"), [
    ([3] * 8, 422), ([3] * 10, 422), ([3] * 8 + [5], 422), ([0] + [3] * 8, 422),
    (["3"] * 9, 422), ([True] * 9, 422), ([3.5] + [3] * 8, 422), ("333333333", 422),
])
def test_bad_scores_are_refused_with_422(api, make, scores, status):
    t = api.issue(make.service())
    r = api.post("/surveys", {"token": t["token"], "scores": scores})
    assert r.status == status, r.body
    assert r.error in ("invalid_scores", "validation_failed")


def test_survey_for_unknown_token_or_malformed_body(api):
    assert api.post("/surveys", {"token": "nope", "scores": [3] * 9}).error == "ticket_not_found"
    r = api.post("/surveys", raw="{not json")
    assert (r.status, r.error) == (400, "malformed_json")
    assert api.get("/surveys/by-token/nope").status == 404


@pytest.mark.parametrize(("lang", "heading"), [("id", "Bagaimana pelayanan kami?"),
                                               ("en", "How was our service?")])
def test_status_page_carries_the_survey_in_both_languages(api, make, client, lang, heading):
    t = api.issue(make.service())
    page = client.get(f"/t/{t['token']}?lang={lang}").get_data(as_text=True)
    assert heading in page
    assert "/dashboard/static/survey.js" in page
    assert f"/pengaduan?ticket={t['token']}" in page


def test_concurrent_answers_for_one_ticket_record_exactly_one(any_app, clock):
    api = Api(any_app.test_client())
    desk = _open_desk(api, Factories(any_app))
    t = _serve(api, clock, desk.code, desk.staff, desk.counter_id)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def answer(score: int) -> None:
        client = Api(any_app.test_client())
        barrier.wait()
        statuses.append(client.post("/surveys", {"token": t["token"],
                                                 "scores": [score] * 9}).status)

    threads = [threading.Thread(target=answer, args=(1 + i % 4,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(statuses) == [201] + [409] * 5
    got = api.get("/reports/ikm?from=2026-11-23&to=2026-11-23", token=api.login("manajer"))
    assert got.body["total"]["respondents"] == 1
