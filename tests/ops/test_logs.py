"""Every request has an id, answered in X-Request-ID and carried by every log line it writes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from mpp.ops.logs import JsonFormatter, RequestIdFilter


@contextmanager
def json_lines() -> Iterator[list[str]]:
    """Every line logged meanwhile, formatted as the server's JSON log writes it."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


def test_a_sane_request_id_from_the_client_is_kept_and_answered(client):
    r = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.17"})
    assert r.headers["X-Request-ID"] == "nginx-4f2a.17"


def test_a_request_without_an_id_or_with_a_forged_one_gets_a_new_one(client):
    plain = client.get("/healthz").headers["X-Request-ID"]
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level=error\tfake'}
                        ).headers["X-Request-ID"]
    assert len(plain) == 32 and len(forged) == 32 and plain != forged
    assert "fake" not in forged


def test_every_line_logged_during_a_request_carries_its_id_as_json(app, client):
    @app.get("/test-logs")
    def _logs():  # type: ignore[no-untyped-def]
        logging.getLogger("mpp.services.somewhere").warning("first %s", "line",
                                                            extra={"ticket_id": 7})
        logging.getLogger("sqlalchemy.anything").error("second line")
        return "ok"

    with json_lines() as lines:
        r = client.get("/test-logs", headers={"X-Request-ID": "req-1"})
        logging.getLogger("mpp.outside").warning("after the request")
    assert r.status_code == 200
    parsed = [json.loads(line) for line in lines]
    first, second, outside = parsed[-3:]
    assert first["message"] == "first line" and first["request_id"] == "req-1"
    assert first["ticket_id"] == 7 and first["level"] == "warning"
    assert first["logger"] == "mpp.services.somewhere" and first["time"].endswith("Z")
    assert second["request_id"] == "req-1" and second["level"] == "error"
    assert outside["request_id"] is None


def test_an_unexpected_error_is_logged_as_one_json_line_with_its_traceback(app, client):
    @app.get("/api/v1/test-boom")
    def _boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    with json_lines() as lines:
        r = client.get("/api/v1/test-boom", headers={"X-Request-ID": "req-boom"})
    assert r.status_code == 500
    assert r.headers["X-Request-ID"] == "req-boom"
    line = json.loads(next(x for x in lines if "req-boom" in x))
    assert "RuntimeError: boom" in line["exception"]
    assert "\n" not in next(x for x in lines if "req-boom" in x)
