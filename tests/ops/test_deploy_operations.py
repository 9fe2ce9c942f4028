"""The production config (deploy/gunicorn.conf.py, two workers, JSON logs) as an operator
sees it: /metrics sums both workers, every log line is JSON, and a request's id is in its
access line and its answer."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from ..support.deploy_server import deploy_server


def _counted(text: str, endpoint: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "mpp_http_requests_total" and s.labels["endpoint"] == endpoint)


def _access_pids(log: Path) -> set[int]:
    return {json.loads(line)["pid"] for line in log.read_text().splitlines()
            if '"mpp.access"' in line}


def test_two_workers_one_sum_of_metrics_and_json_logs_with_request_ids(
        _sqlite_template: Path, tmp_path: Path):
    env = {"MPP_LOG_FORMAT": "json", "MPP_METRICS_TOKEN": "scrape",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    # SIGQUIT: a quick shutdown, no graceful wait
    with deploy_server(_sqlite_template, tmp_path, workers=2, extra_env=env, ready_within=60,
                       stop_signal=signal.SIGQUIT) as server:
        url, log, deadline = server.url, server.log, server.started + 60
        # each request on a new connection, which either worker may accept, until both
        # workers have answered some (their access lines name their pids)
        sent = 0
        while sent < 20 or len(_access_pids(log)) < 2:
            assert time.monotonic() < deadline, "one worker answered everything"
            r = requests.get(f"{url}/api/v1/services", headers={"X-Request-ID": f"op-{sent}"},
                             timeout=10)
            assert r.status_code == 200 and r.headers["X-Request-ID"] == f"op-{sent}"
            sent += 1
        scrape = {"Authorization": "Bearer scrape"}
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 403
        texts = [requests.get(f"{url}/metrics", headers=scrape, timeout=10).text
                 for _ in range(6)]
        # whichever worker answers, the count is both workers' sum
        assert {_counted(t, "api.services") for t in texts} == {float(sent)}
        assert "mpp_tickets_waiting{service=\"KTP\"}" in texts[0]
        # what was logged while serving; a worker stopped mid-flight by the quick shutdown
        # may still print (gevent reports what it interrupts), which is not a log line
        served = log.read_text()
    whole = served[:served.rfind("\n") + 1]  # a line still being written is left out
    lines = [json.loads(line) for line in whole.splitlines() if line.strip()]
    print(f"\n{sent} requests over 2 workers; every scrape counted {sent}; "
          f"{len(lines)} log lines, all JSON")
    access = [x for x in lines if x["logger"] == "mpp.access"]
    assert {x["request_id"] for x in access} >= {f"op-{i}" for i in range(sent)}
    line = next(x for x in access if x["request_id"] == "op-7")
    assert line["path"] == "/api/v1/services" and line["status"] == 200
    assert line["duration_ms"] >= 0
    assert any(x["logger"] == "gunicorn.error" for x in lines)  # gunicorn's own, JSON too
