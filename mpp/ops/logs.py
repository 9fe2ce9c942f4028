"""Logs an operator can search: one JSON object a line (``MPP_LOG_FORMAT=json``) or plain
text, each carrying the id of the request it belongs to.

Every request gets an id: the client's (or nginx's) ``X-Request-ID`` when it is a sane token,
else a new one. It is answered in the ``X-Request-ID`` header and added to every log line
written while the request runs, whichever logger writes it, so one grep finds all a request
did. In JSON mode each request also ends with an access line (logger ``mpp.access``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.typing import ResponseReturnValue

#: a client-given id is kept only when it looks like one (no spaces, quotes or newlines
#: that could forge log lines)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
HEADER = "X-Request-ID"
#: the LogRecord attributes every record has; anything else was given in ``extra=``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id"}


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    if not has_request_context():
        return None
    return g.get("request_id")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's, else None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id,
    the exception when there is one, and whatever was given in ``extra=``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def make_handler(fmt: str) -> logging.Handler:
    """A handler to standard error in ``fmt`` (``json`` or ``text``) with request ids."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler._mpp = True  # type: ignore[attr-defined]  # ours: installed once per process
    return handler


def configure(fmt: str, level: str = "INFO") -> None:
    """Send this process's logs (the root logger's) to standard error in ``fmt``; once."""
    root = logging.getLogger()
    if any(getattr(h, "_mpp", False) for h in root.handlers):
        return
    root.addHandler(make_handler(fmt))
    root.setLevel(level.upper())


def log_format() -> str:
    """``json`` or ``text``, from MPP_LOG_FORMAT (default text)."""
    return "json" if os.environ.get("MPP_LOG_FORMAT", "text").lower() == "json" else "text"


access_log = logging.getLogger("mpp.access")


def init_logging(app: Flask) -> None:
    """Request ids on every request; in a server process (not in-process tests, whose logs
    pytest captures), the process's logs to standard error in MPP_LOG_FORMAT."""
    fmt = log_format()
    if not app.testing:
        configure(fmt, os.environ.get("MPP_LOG_LEVEL", "INFO"))
        # python-socketio and python-engineio give their loggers a plain handler of their
        # own; the root's handler writes their lines (once, in this format)
        for name in ("socketio.server", "engineio.server", "socketio.client",
                     "engineio.client"):
            logging.getLogger(name).handlers.clear()
    # Flask's own logger writes through the root handler, with the request id
    app.logger.handlers.clear()
    app.logger.propagate = True
    access = fmt == "json"

    @app.before_request
    def _take_request_id() -> None:
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _answer_request_id(response: Any) -> ResponseReturnValue:
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        if access and request.endpoint != "ops.metrics":
            access_log.info("%s %s %s", request.method, request.path, response.status_code,
                            extra={"method": request.method, "path": request.path,
                                   "status": response.status_code,
                                   "duration_ms": round(1000 * (time.perf_counter()
                                                                - g.get("request_started",
                                                                        time.perf_counter())),
                                                        1),
                                   "remote_addr": request.remote_addr})
        return response
