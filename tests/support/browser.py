"""Helpers for pages in Chromium: signing in through the real form, and axe-core's check."""

from __future__ import annotations

from typing import Any

from .api import password_of

SERIOUS = ("serious", "critical")


def sign_in(page: Any, base_url: str, username: str, password: str | None = None,
            target: str = "/console") -> None:
    """Sign in through the real /login form, reached by opening ``target`` signed out, and
    wait until the browser is back on ``target``."""
    page.goto(f"{base_url}{target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or password_of(username))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{target}")
    if target == "/console":
        page.wait_for_selector("body[data-ready=true]")


def run_axe(page: Any, base_url: str, impacts: tuple[str, ...] = SERIOUS,
            run_only: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands, of the given impacts (serious and
    critical unless told), optionally only the rules tagged ``run_only``."""
    page.add_script_tag(url=f"{base_url}/static/vendor/axe.min.js")
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if run_only:
        options["runOnly"] = run_only
    result = page.evaluate("options => axe.run(document, options)", options)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in impacts]
