"""Whatever a form posts, the admin area answers with a readable refusal, never a 500."""

from __future__ import annotations

import pytest

from ..support.sessions import post_form

FORMS = ("/admin/agencies/new", "/admin/agencies/1", "/admin/services/new",
         "/admin/services/1", "/admin/counters/new", "/admin/counters/1",
         "/admin/counters/1/release", "/admin/users/new", "/admin/users/3",
         "/admin/users/3/password", "/admin/devices/new", "/admin/devices/2",
         "/admin/holidays", "/admin/settings", "/admin/layout", "/account/password")

ODD = {
    "empty": {},
    "long": {k: "x" * 20_000 for k in ("code", "name", "prefix", "username", "password",
                                       "password2", "timezone", "text", "day", "full_name")},
    "numbers as words": {"agency_id": "satu", "sort_order": "-1", "sla_minutes": "1e9",
                         "fee": "Rp 5.000", "daily_quota": "-3", "service_ids": "abc",
                         "printer_device_id": "printer-1", "issue_cutoff_minutes": "NaN",
                         "regular_per_priority": "", "role": "root", "kind": "toaster"},
    "repeated and unicode": [("code", "ÄÖ"), ("code", "B"), ("name", "\u202eevil"),
                             ("prefix", "Ä"), ("hours_mon", "25:00-26:00"),
                             ("hours_tue", "08:00"), ("friday_break", "13:00-11:30"),
                             ("day", "2026-02-30"), ("text", "[site]\ncode = 1"),
                             ("agencies", "NOPE"), ("service_ids", "99999")],
    "unknown ids": {"agency_id": "99999", "service_ids": "99999",
                    "printer_device_id": "99999", "code": "OK", "name": "OK",
                    "prefix": "ZZ"},
}


@pytest.mark.parametrize("kind", list(ODD))
def test_odd_form_posts_get_a_readable_answer(admin_client, kind):
    for path in FORMS:
        data = ODD[kind]
        if isinstance(data, list):
            from werkzeug.datastructures import MultiDict
            data = MultiDict(data)
            r = admin_client.post(path, data=MultiDict([
                *data.items(multi=True),
                ("csrf_token", admin_client.get("/api/v1/session").get_json()["csrf_token"])]))
        else:
            r = post_form(admin_client, path, data)
        assert r.status_code < 500, (path, kind, r.status_code)
        assert r.status_code in (200, 302, 400, 404, 409, 413, 422), (path, kind, r.status_code)
