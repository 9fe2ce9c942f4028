"""Two admins editing one record: the second save, made from a form opened before the first
was saved, is refused with a clear message instead of silently undoing the first."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from mpp.models import Agency, User
from mpp.services import accounts

from ..support.databases import START
from ..support.factories import Factories
from ..support.sessions import post_form, sign_in


def _form(client, path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The form's fields as the page sent them (text inputs, selects' choices, checkboxes
    checked, the hidden version), as a browser would post them back."""
    html = client.get(path).get_data(as_text=True)
    form = html[html.index('<form method="post" class="form">'):]
    form = form[:form.index("</form>")]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or name.group(1) == "csrf_token":
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if kind == "checkbox" and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else "on"
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form,
                                 re.S):
        data[name] = body
    return data


def _id(app, model, **where) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.read() as s:
        return s.scalars(select(model.id).filter_by(**where)).first()


@pytest.fixture
def two_admins(app):  # type: ignore[no-untyped-def]
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert sign_in(client, "admin").status_code == 302
    return first, second


def _display(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mpp"].db.write() as s:
        device, _ = accounts.create_device(s, START, "display-uji", "display")
        return device.id


#: a record of the test's own to edit, made by (app, make), its id
MADE: dict[str, Callable[[Any, Factories], int]] = {
    "service": lambda app, make: make.service_id(make.service()),
    "agency": lambda app, make: (make.service(), _id(app, Agency, code="UJI"))[1],
    "counter": lambda app, make: make.desk().counter_id,
    "user": lambda app, make: _id(app, User, username=make.staff()),
    "device": lambda app, make: _display(app),
}


@pytest.mark.parametrize(("kind", "path", "field", "a", "b"), [
    ("service", "/admin/services/{}", "sla_minutes", "45", "50"),
    ("agency", "/admin/agencies/{}", "short_name", "Uji A", "Uji B"),
    ("counter", "/admin/counters/{}", "spoken_name", "loket uji a", "loket uji b"),
    ("user", "/admin/users/{}", "full_name", "Nama A", "Nama B"),
    ("device", "/admin/devices/{}", "title", "Papan A", "Papan B"),
], ids=["service", "agency", "counter", "user", "device"])
def test_the_second_of_two_concurrent_edits_is_refused(app, make, two_admins, kind, path,
                                                       field, a, b):
    first, second = two_admins
    path = path.format(MADE[kind](app, make))
    form_one, form_two = _form(first, path), _form(second, path)  # both open the page
    assert form_one.get("version") not in (None, "")
    r = post_form(first, path, {**form_one, field: a})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    r = post_form(second, path, {**form_two, field: b})
    assert r.status_code == 409
    assert "diubah orang lain" in r.get_data(as_text=True)
    assert _form(first, path)[field] == a  # the first change stands
    # having read the message, the second admin saves again from the page it got back
    r = post_form(second, path, {**_form(second, path), field: b})
    assert r.status_code == 302
    assert _form(first, path)[field] == b


def test_a_save_from_a_fresh_form_goes_through(app, make, two_admins):
    first, _ = two_admins
    path = f"/admin/services/{make.service_id(make.service())}"
    for minutes in ("40", "41", "42"):
        assert post_form(first, path, {**_form(first, path), "sla_minutes": minutes}
                         ).status_code == 302
    assert _form(first, path)["sla_minutes"] == "42"
