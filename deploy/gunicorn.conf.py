"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'mpp.wsgi:app'`.

The same serving model as `mpp run` (mpp.server.gunicorn_options): gevent workers, in which
every request and every open WebSocket (a board, a console, a citizen's status page) is a
greenlet, so an idle socket costs memory, not a thread. One worker holds up to
MPP_CONNECTIONS sockets (default 10,000); see docs/serving.md for the figures. Several
workers (or hosts) need MPP_REDIS_URL so that Socket.IO events reach clients connected to
any of them; clients use the WebSocket transport only, so no sticky sessions are needed.
Run `mpp migrate` once before starting workers. The systemd unit raises the open-file limit
(LimitNOFILE): each socket is a file.

Operations (docs/operations.md): /metrics sums every worker's figures through
PROMETHEUS_MULTIPROC_DIR (a fresh folder each start); with MPP_LOG_FORMAT=json, gunicorn's
own lines are JSON too and the app writes the access lines (with the request id).
"""

import os
import shutil
import tempfile
import warnings
from pathlib import Path

# before anything imports prometheus_client: its workers then write to files that any
# worker sums when scraped
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mpp-metrics-")

from mpp.server import gunicorn_options  # noqa: E402

# the same noise mpp.server.serve silences: the worker patches after mpp's imports, and no
# TLS connection goes through the modules gevent names
warnings.filterwarnings("ignore", message="Monkey-patching ssl after ssl")

_options = gunicorn_options(
    host="", port=0, connections=int(os.environ.get("MPP_CONNECTIONS", "10000")),
    workers=int(os.environ.get("MPP_WORKERS", "2")))

bind = os.environ.get("MPP_BIND", "127.0.0.1:8080")
workers = _options["workers"]
worker_class = _options["worker_class"]
worker_connections = _options["worker_connections"]
timeout = _options["timeout"]
graceful_timeout = 10
keepalive = _options["keepalive"]
errorlog = "-"
_json_logs = os.environ.get("MPP_LOG_FORMAT", "text").lower() == "json"
if _json_logs:
    accesslog = None  # the app writes them as JSON, with the request id (mpp.ops.logs)
    logconfig_dict = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "mpp.ops.logs.JsonFormatter"}},
        "filters": {"request_id": {"()": "mpp.ops.logs.RequestIdFilter"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                              "filters": ["request_id"], "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["json"], "level": "INFO",
                                       "propagate": False}},
        # gunicorn's defaults are replaced, not merged: the app's handler goes on the root
        # in each worker (mpp.ops.logs.configure)
        "root": {"level": "INFO", "handlers": []},
    }
else:
    accesslog = "-"
    access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" '
                         'request_id=%({x-request-id}o)s')
control_socket_disable = True


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    """Figures of an earlier run's workers must not be summed into this run's."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only prometheus_client's files, whatever the folder
        stale.unlink()


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A worker that ended (or was killed) stops counting in live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ARG001 - gunicorn's hook signature
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
