"""Helpers for print tests against a live server: issue tickets, read jobs and printers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .agent_process import Agent
from .api import Api, device_token
from .factories import Factories
from .live import LiveServer

KIOSK = device_token("kiosk-1")
DISPLAY = device_token("display-1")


def own_service(server: LiveServer, prefix: str = "Q") -> str:
    """A service of the test's own on the server (its first ticket is ``{prefix}001``);
    its code."""
    make = Factories.live(server)
    try:
        return make.service(prefix=prefix)
    finally:
        make.close()


def issue(server: LiveServer, code: str) -> dict[str, Any]:
    """A ticket for the service taken at kiosk-1 (paired with printer-1): it makes a print
    job."""
    return Api(server.url).issue(code)


def print_state(server: LiveServer, ticket: dict[str, Any]) -> dict[str, Any]:
    return Api(server.url).get(f"/tickets/by-token/{ticket['token']}/print").ok()


def job_error(server: LiveServer, ticket: dict[str, Any]) -> str:
    """The last job's error, as staff see it."""
    api = Api(server.url)
    jobs = api.get(f"/tickets/{ticket['id']}/print-jobs", token=api.login("admin")).ok()
    return jobs["jobs"][-1]["error"]


def job_state(server: LiveServer, ticket: dict[str, Any]) -> str:
    return print_state(server, ticket)["job"]["state"]


def printer_row(server: LiveServer) -> dict[str, Any]:
    return Api(server.url).get("/devices/printers", token=DISPLAY).ok()["printers"][0]


def make_agent(agents: list[Agent], server: LiveServer, spec: str, tmp_path: Path,
               *extra: str, env: dict[str, str] | None = None) -> Agent:
    """Start an agent process for printer-1 on ``spec``; the ``agents`` fixture stops it."""
    a = Agent(server.url, spec, tmp_path / "journal.txt", tmp_path / "agent.log", *extra,
              env=env)
    agents.append(a)
    return a.start()
