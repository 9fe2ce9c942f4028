"""Whatever a client puts where an id, a page or a JSON body belongs, the answer is a 4xx
(with the contract's error shape under /api and /display), never a 5xx: ids past 64 bits or
with 5,000 digits, '²' (which passes ``str.isdigit()``), JSON nested 100,000 deep."""

from __future__ import annotations

import pytest

from mpp.extensions import socketio

from ..support.sessions import sign_in

PAST_64_BITS = "9223372036854775808"
LONG = "9" * 5000
ODD_IDS = [PAST_64_BITS, "9" * 30, LONG, "²", "0", "-1", "1e3", " 1"]

# (path template, who asks): every place that reads an id or a page from the client
GETS = [
    ("/api/v1/tickets/{}", "manajer"),
    ("/api/v1/tickets/{}/print-jobs", "manajer"),
    ("/api/v1/tickets/{}/preview.png", "manajer"),
    ("/api/v1/counters/{}/queue", "manajer"),
    ("/api/v1/reports/daily?date=2026-11-23&agency={}", "manajer"),
    ("/display/announcement?number=A001&counter_id={}", "display-1"),
    ("/rate?counter={}", None),
    ("/reports/evidence?agency={}", "session:manajer"),
    ("/admin/agencies/{}", "session:admin"),
    ("/admin/services?agency={}", "session:admin"),
    ("/admin/services/new?agency={}", "session:admin"),
    ("/admin/counters/new?agency={}", "session:admin"),
    ("/admin/audit?page={}", "session:admin"),
]
POSTS = ["/api/v1/tickets/{}/finish", "/api/v1/tickets/{}/transfer",
         "/api/v1/tickets/{}/cancel", "/api/v1/counters/{}/open",
         "/api/v1/counters/{}/call-next", "/api/v1/tickets/{}/reprint"]


def _is_error_shape(response) -> bool:  # type: ignore[no-untyped-def]
    body = response.get_json(silent=True)
    return (isinstance(body, dict) and isinstance(body.get("error"), dict)
            and bool(body["error"].get("code")) and bool(body["error"].get("message")))


def _check(response, path: str) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (path[:120], response.status_code)
    if path.startswith(("/api/", "/display/")):
        assert _is_error_shape(response), (path[:120], response.get_data(as_text=True)[:200])


@pytest.mark.parametrize("odd", ODD_IDS, ids=lambda v: v[:20])
@pytest.mark.parametrize(("template", "who"), GETS, ids=[g[0] for g in GETS])
def test_odd_ids_in_paths_and_query_strings_are_a_4xx(app, api, template, who, odd):
    client = app.test_client()
    headers = {}
    if who and who.startswith("session:"):
        assert sign_in(client, who.split(":", 1)[1]).status_code == 302
    elif who:
        headers["Authorization"] = "Bearer " + (api.device_token(who) if who.endswith("-1")
                                                else api.login(who))
    path = template.format(odd)
    _check(client.get(path, headers=headers), path)


@pytest.mark.parametrize("odd", ODD_IDS, ids=lambda v: v[:20])
@pytest.mark.parametrize("template", POSTS)
def test_odd_ids_in_api_writes_are_a_4xx(app, api, template, odd):
    path = template.format(odd)
    r = app.test_client().post(path, json={"service_id": 1},
                               headers={"Authorization": f"Bearer {api.login('dukcapil1')}"})
    _check(r, path)


@pytest.mark.parametrize("raw", [
    '{"service_id": ' + "1" * 5000 + "}",
    '{"service_id": ' + PAST_64_BITS + "}",
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
], ids=["5000 digits", "past 64 bits", "100000 deep array", "50000 deep object"])
@pytest.mark.parametrize(("path", "who"), [
    ("/api/v1/tickets", "kiosk-1"), ("/api/v1/auth/login", None), ("/api/v1/surveys", None),
    ("/api/v1/complaints", None), ("/api/v1/tickets/1/transfer", "dukcapil1"),
    ("/api/v1/tickets/1/reprint", "manajer")])
def test_hostile_json_bodies_are_a_4xx(app, api, path, who, raw):
    headers = {"Content-Type": "application/json"}
    if who:
        headers["Authorization"] = "Bearer " + (api.device_token(who) if who.endswith("-1")
                                                else api.login(who))
    _check(app.test_client().post(path, data=raw, headers=headers), path)


def test_a_complaint_naming_an_agency_past_64_bits_is_a_4xx(app):
    r = app.test_client().post("/api/v1/complaints",
                               json={"body": "x", "agency": int(PAST_64_BITS)})
    _check(r, "/api/v1/complaints")


def test_a_counter_form_with_a_huge_service_id_is_refused_readably(app):
    from ..support.sessions import post_form

    admin = app.test_client()
    sign_in(admin, "admin")
    r = post_form(admin, "/admin/counters/new",
                  {"agency_id": "1", "name": "Loket X", "service_ids": PAST_64_BITS})
    assert r.status_code < 500
    assert "Pilih layanan dari daftar." in r.get_data(as_text=True)  # worded at the field


@pytest.mark.parametrize("job_id", [int(PAST_64_BITS), 10**30],
                         ids=["past 64 bits", "31 digits"])
def test_a_print_agent_answering_a_huge_job_id_gets_an_error_answer(app, api, job_id):
    agent = socketio.test_client(app, namespace="/print",
                                 auth={"token": api.device_token("printer-1")})
    assert agent.is_connected("/print")
    answer = agent.emit("printed", {"job_id": job_id, "ok": True}, namespace="/print",
                        callback=True)
    assert answer["error"]["code"] == "validation_failed"
    assert agent.is_connected("/print")
    agent.disconnect("/print")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "１９９９-01-01", "2026-02-30"])
@pytest.mark.parametrize("query", ["/api/v1/reports/daily?date={}",
                                   "/api/v1/reports/range?from={}&to={}",
                                   "/api/v1/reports/ikm?from={}&to={}"])
def test_dates_at_the_ends_of_the_calendar_are_a_4xx(app, api, query, day):
    path = query.format(day, day)
    r = app.test_client().get(path, headers={"Authorization": f"Bearer {api.login('admin')}"})
    _check(r, path)
