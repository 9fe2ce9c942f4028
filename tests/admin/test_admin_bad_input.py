"""Whatever a form posts, the admin area refuses it with the reason shown on the page it
answers with (or on the page it sends the browser to), changes nothing, and never fails
with a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from mpp.models import Base

from ..support.sessions import csrf_token, flashes

FORMS = ("/admin/agencies/new", "/admin/agencies/1", "/admin/services/new",
         "/admin/services/1", "/admin/counters/new", "/admin/counters/1",
         "/admin/users/new", "/admin/users/3", "/admin/users/3/password",
         "/admin/devices/new", "/admin/devices/2", "/admin/holidays", "/admin/settings",
         "/admin/layout", "/account/password")
# /admin/counters/N/release reads no field: whatever is posted, it closes the counter.

ODD: dict[str, Any] = {
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
# The agency form has none of the "unknown ids" fields: code OK, name OK is a good agency.
GOOD = {("unknown ids", "/admin/agencies/new"), ("unknown ids", "/admin/agencies/1")}
CASES = [(kind, path) for kind in ODD for path in FORMS if (kind, path) not in GOOD]


def everything(app: Any) -> dict[str, list[Any]]:
    """Every row of every table, to compare before and after a refused post."""
    with app.extensions["mpp"].db.read() as s:
        return {t.name: s.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in Base.metadata.sorted_tables}


def shown_errors(html: str) -> list[str]:
    """The refusals a page shows: the form's own error and error flashes."""
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(
        r'<p class="flash flash-error" role="alert">(.*?)</p>', html, re.S)]


def post(client: Any, path: str, data: Any) -> Any:
    fields = list(data) if isinstance(data, list) else list(data.items())
    return client.post(path, data=MultiDict([*fields, ("csrf_token", csrf_token(client))]))


@pytest.mark.parametrize(("kind", "path"), CASES)
def test_an_odd_form_post_is_refused_with_its_reason_and_changes_nothing(admin_client, app,
                                                                          kind, path):
    before = everything(app)
    r = post(admin_client, path, ODD[kind])
    if r.status_code == 302:  # refused, then back to the form, which tells why
        shown = shown_errors(admin_client.get(r.location).get_data(as_text=True))
    else:
        assert r.status_code in (400, 404, 409, 413, 422), r.status_code
        shown = shown_errors(r.get_data(as_text=True))
    assert shown and all(shown), (r.status_code, r.location)
    assert everything(app) == before, "a refused post changed something"


@pytest.mark.parametrize("path", sorted({path for _, path in GOOD}))
def test_the_agency_form_saves_a_good_agency_among_unknown_ids(admin_client, app, path):
    """The counterpart of the refusals above: the same check sees a saved post."""
    before = everything(app)
    r = post(admin_client, path, ODD["unknown ids"])
    assert r.status_code == 302
    assert flashes(admin_client.get(r.location).get_data(as_text=True)) == [
        "Instansi OK disimpan."]
    assert everything(app) != before
