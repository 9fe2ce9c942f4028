"""Helpers for print tests against a live server: issue tickets, read jobs and printers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from mpp.services.demo import demo_device_token

from .agent_process import Agent
from .databases import TEST_SECRET
from .live import LiveServer

KIOSK = demo_device_token(TEST_SECRET, "kiosk-1")
DISPLAY = demo_device_token(TEST_SECRET, "display-1")


def issue(server: LiveServer, code: str = "KTP") -> dict[str, Any]:
    """A ticket taken at kiosk-1 (paired with printer-1): it makes a print job."""
    services = requests.get(f"{server.url}/api/v1/services", timeout=10).json()["services"]
    sid = next(s["id"] for s in services if s["code"] == code)
    r = requests.post(f"{server.url}/api/v1/tickets", json={"service_id": sid},
                      headers={"Authorization": f"Bearer {KIOSK}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def print_state(server: LiveServer, ticket: dict[str, Any]) -> dict[str, Any]:
    return requests.get(f"{server.url}/api/v1/tickets/by-token/{ticket['token']}/print",
                        timeout=10).json()


def job_error(server: LiveServer, ticket: dict[str, Any]) -> str:
    """The last job's error, as staff see it."""
    admin = requests.post(f"{server.url}/api/v1/auth/login",
                          json={"username": "admin", "password": "admin-mpp"},
                          timeout=10).json()["token"]
    jobs = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}/print-jobs",
                        headers={"Authorization": f"Bearer {admin}"}, timeout=10).json()
    return jobs["jobs"][-1]["error"]


def job_state(server: LiveServer, ticket: dict[str, Any]) -> str:
    return print_state(server, ticket)["job"]["state"]


def printer_row(server: LiveServer) -> dict[str, Any]:
    r = requests.get(f"{server.url}/api/v1/devices/printers",
                     headers={"Authorization": f"Bearer {DISPLAY}"}, timeout=10)
    return r.json()["printers"][0]


def make_agent(agents: list[Agent], server: LiveServer, spec: str, tmp_path: Path,
               *extra: str, env: dict[str, str] | None = None) -> Agent:
    """Start an agent process for printer-1 on ``spec``; the ``agents`` fixture stops it."""
    a = Agent(server.url, spec, tmp_path / "journal.txt", tmp_path / "agent.log", *extra,
              env=env)
    agents.append(a)
    return a.start()
