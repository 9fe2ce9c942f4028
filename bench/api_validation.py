"""The cost of spectree's validation wrapper on ``POST /api/v1/tickets``, the kiosk's hot path.

Inside one request context for ``POST /api/v1/tickets`` with a kiosk's body, it times:

- **by hand**: what the view did before spectree: read the JSON body, validate it with
  ``IssueBody``, render a ticket answer (``jsonify``);
- **spectree**: the same view under ``@api.validate(resp=answers(TicketAnswer, status=201))``
  (request validated by the plugin, answer passed through): the difference is the wrapper's
  cost per request;
- **spectree + answers checked**: the same with ``API_VALIDATE_RESPONSES`` (what the tests
  pay; production leaves it off);

and, for scale, the whole ``POST /api/v1/tickets`` through Flask's test client on SQLite.
It prints microseconds per call (the best of ``--repeat`` runs, the machine being shared).

    .venv/bin/python bench/api_validation.py [--calls 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import timeit
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import jsonify  # noqa: E402

from mpp import (
    create_app,  # noqa: E402
    migrate,  # noqa: E402
)
from mpp.api.answers import TicketAnswer  # noqa: E402
from mpp.api.openapi import answers, api  # noqa: E402
from mpp.api.schemas import IssueBody, read_json_object  # noqa: E402
from mpp.clock import FixedClock  # noqa: E402
from mpp.config import TestConfig  # noqa: E402
from mpp.db import Database  # noqa: E402
from mpp.services.demo import load_demo  # noqa: E402


def best_us(func: Any, calls: int, repeat: int) -> float:
    """Microseconds per call, the best of ``repeat`` runs of ``calls`` calls."""
    return min(timeit.repeat(func, number=calls, repeat=repeat)) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))  # a Monday
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        db = Database(url)
        migrate.upgrade(db)
        with db.write() as s:
            kiosk_token = load_demo(s, start, "bench-secret")["kiosk-1"]
        db.dispose()
        app = create_app(TestConfig(url, API_VALIDATE_RESPONSES=False),
                         clock=FixedClock(start))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {kiosk_token}"}
        service_id = client.get("/api/v1/services").get_json()["services"][0]["id"]
        body = {"service_id": service_id, "priority": False}
        ticket = client.post("/api/v1/tickets", json=body, headers=headers).get_json()["ticket"]

        def by_hand() -> Any:
            parsed = IssueBody.model_validate(read_json_object())
            return jsonify({"ticket": ticket, "service_id": parsed.service_id}), 201

        def view(json: IssueBody) -> Any:
            return jsonify({"ticket": ticket, "service_id": json.service_id}), 201

        wrapped = api.validate(resp=answers(TicketAnswer, status=201))(view)
        import json as jsonlib

        raw = jsonlib.dumps(body)
        figures: dict[str, float] = {}
        with app.test_request_context("/api/v1/tickets", method="POST", data=raw,
                                      content_type="application/json"):
            figures["by hand (json + IssueBody + jsonify)"] = best_us(
                by_hand, args.calls, args.repeat)
            figures["spectree wrapper, answers not checked"] = best_us(
                wrapped, args.calls, args.repeat)
            app.config["API_VALIDATE_RESPONSES"] = True
            figures["spectree wrapper, answers checked (tests)"] = best_us(
                lambda: app.make_response(wrapped()), args.calls // 4, args.repeat)
            app.config["API_VALIDATE_RESPONSES"] = False
        requests = max(args.calls // 50, 50)
        figures["whole POST /api/v1/tickets (test client, SQLite)"] = best_us(
            lambda: client.post("/api/v1/tickets", json=body, headers=headers),
            requests, min(args.repeat, 3))
        app.extensions["mpp"].db.dispose()

    width = max(map(len, figures))
    for name, us in figures.items():
        print(f"{name:<{width}}  {us:9.1f} µs")
    base = figures["by hand (json + IssueBody + jsonify)"]
    print(f"{'wrapper cost per request':<{width}}  "
          f"{figures['spectree wrapper, answers not checked'] - base:9.1f} µs")


if __name__ == "__main__":
    main()
