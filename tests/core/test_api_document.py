"""The OpenAPI document and the code cannot disagree: every /api/v1 route is in it, with the
models its view validates with, and an answer that breaks its model fails the test that
caused it (tests/security/test_api_fuzz.py drives every operation against the document)."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import typing

from flask import jsonify

from mpp.api.answers import TicketAnswer
from mpp.api.openapi import answers, api


def _documented_path(rule: str) -> str:
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)


def _concrete(rule: str) -> list[str]:
    match = re.search(r"<any\(([^)]*)\):\w+>", rule)
    if match is None:
        return [rule]
    return [c for option in match.group(1).split(",")
            for c in _concrete(rule[:match.start()] + option.strip().strip("'\"")
                               + rule[match.end():])]


def _api_operations(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for concrete in _concrete(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield _documented_path(concrete), method.lower(), app.view_functions[rule.endpoint]


def _ref(model: type) -> str:
    return f"#/components/schemas/{model.__name__}"


def test_every_api_route_and_method_is_in_the_document(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    served = {(path, method) for path, method, _ in _api_operations(app)}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert served - documented == set(), "routes missing from the document (decorate the " \
        "view with @api.validate(resp=answers(...)), mpp/api/openapi.py)"
    assert documented - served == set(), "the document names routes the app does not serve"


def test_each_operation_shows_the_models_and_roles_of_its_view(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method, view in _api_operations(app):
        op = doc["paths"][path][method]
        hints = typing.get_type_hints(inspect.unwrap(view))
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        assert body.get("schema", {}).get("$ref") == (
            _ref(hints["json"]) if "json" in hints else None), (path, method)
        query = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        model = hints.get("query")
        expected = {f.alias or name for name, f in model.model_fields.items()} if model else set()
        assert query == expected, (path, method)
        assert op.get("x-roles") == (list(view.roles) if hasattr(view, "roles") else None)
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1 and op["responses"][success[0]].get("content"), (path, method)
        for code in ("400", "404", "422"):
            assert op["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}, (path, method, code)


def test_an_answer_that_breaks_its_model_is_a_500_in_tests(app):
    # outside /api/v1, so that the process's document (built once) never lists it
    @api.validate(resp=answers(TicketAnswer))
    def broken() -> object:
        return jsonify({"ticket": {"id": 1, "number": "A001"}})

    app.add_url_rule("/test-only/broken-answer", view_func=broken)
    client = app.test_client()
    r = client.get("/test-only/broken-answer")
    assert r.status_code == 500
    assert r.get_json()["error"]["code"] == "answer_breaks_its_model"
    app.config["API_VALIDATE_RESPONSES"] = False  # production: answers pass unchecked
    assert client.get("/test-only/broken-answer").status_code == 200



LAZY_SCRIPT = """
import sys, tempfile
from mpp import create_app
from mpp.config import TestConfig
from mpp.api.openapi import api
app = create_app(TestConfig("sqlite:///" + tempfile.mkdtemp() + "/x.db"))
assert api._models == {} and len(api._noted) > 100, (len(api._models), len(api._noted))
with app.test_request_context():
    spec = api.spec
assert not api._noted
assert {"TicketAnswer", "IssueBody", "Error"} <= set(spec["components"]["schemas"])
print("lazy")
"""


def test_a_server_builds_the_models_schemas_only_when_the_document_is_read():
    """Building every model's JSON schema as the views are decorated cost about 0.4 s of each
    server's start; the app is built without, and the document still has them all."""
    done = subprocess.run([sys.executable, "-c", LAZY_SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "lazy"
