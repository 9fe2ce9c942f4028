"""The API fuzzed against its own OpenAPI document (schemathesis), as an anonymous caller, an
admin, a staff member and a kiosk, at a size that fits CI: no answer is a 5xx, every answer
has a documented status, content type and shape, and a request the document calls valid is
never refused by the request validators (``validation_failed`` / ``malformed_json``; a
business rule beyond the document, such as ``complaint_too_short``, may still refuse it).

The document is generated from the models that validate (mpp/api/openapi.py), and the test
app checks every JSON answer against its model (``API_VALIDATE_RESPONSES``): an answer that
breaks it is a 500 ``answer_breaks_its_model``, which ``not_a_server_error`` reports."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

#: examples per operation and caller (MPP_FUZZ_EXAMPLES raises it for a longer local run)
EXAMPLES = int(os.environ.get("MPP_FUZZ_EXAMPLES", "25"))
#: CI replays the same examples every run; MPP_FUZZ_RANDOM=1 explores new ones
DERANDOMIZE = not os.environ.get("MPP_FUZZ_RANDOM")
CALLERS = ("anonymous", "admin", "staff", "kiosk")
VALIDATOR_CODES = ("validation_failed", "malformed_json")


def schema_valid_requests_pass_the_validators(ctx, response, case) -> None:  # type: ignore[no-untyped-def]
    """A request generated from the document must get past the body and id validators."""
    if response.status_code in (400, 422):
        try:
            code = response.json()["error"]["code"]
        except Exception:  # noqa: BLE001 - not the error shape: another check reports it
            return
        assert code not in VALIDATOR_CODES, (
            f"the document allows this request, the validators refuse it: "
            f"{response.status_code} {response.text[:300]}")


@pytest.fixture
def fuzz_app(db_url, clock):  # type: ignore[no-untyped-def]
    from ..conftest import make_app

    # the per-address limits would answer 429 to a fuzzer sending everything from one address
    app = make_app(db_url, clock, LOGIN_RATE_LIMIT="100000 per minute",
                   RATELIMIT_ENABLED=False)
    app.config["RATELIMIT_ENABLED"] = False
    yield app
    app.extensions["mpp"].db.dispose()


@pytest.mark.parametrize("caller", CALLERS)
def test_the_api_keeps_its_document_under_fuzzing(fuzz_app, caller):
    from ..support.api import Api

    api = Api(fuzz_app.test_client())
    token = {"anonymous": None, "admin": api.login("admin"), "staff": api.login("dukcapil1"),
             "kiosk": api.device_token("kiosk-1")}[caller]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, schema_valid_requests_pass_the_validators]
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  derandomize=DERANDOMIZE,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
        @given(case=operation.as_strategy())
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=checks)

        try:
            fuzz()
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises a group
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = str(exc)[:1500]
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_exports_answer_with_their_documented_content_type(app, api, fmt):
    r = api.client.get(f"/api/v1/reports/daily?date=2026-11-23&format={fmt}",
                       headers={"Authorization": f"Bearer {api.login('admin')}"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].count("charset") <= 1
    document = api.get("/openapi.json").body
    answers = document["paths"]["/api/v1/reports/daily"]["get"]["responses"]["200"]["content"]
    assert r.headers["Content-Type"].split(";")[0] in answers
