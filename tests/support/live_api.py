"""Deprecated: the old name of support/api.py's ``Api`` over HTTP, with its old ``get``/
``post`` (answering the body) kept only until the last users move to ``Api(url)``."""

from __future__ import annotations

from typing import Any

import requests

from .api import Api


class LiveApi(Api):
    def call(self, method: str, path: str, body: Any = None, token: str | None = None
             ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(method, f"{self.url}/api/v1{path}", json=body,
                                 headers=headers, timeout=10)

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        return self.request(method, path, body, token).ok()

    def get(self, path: str, token: str | None = None, headers: Any = None) -> Any:  # type: ignore[override]
        return self.request("GET", path, token=token, headers=headers).ok()

    def post(self, path: str, token: str | None = None, body: Any = None) -> Any:  # type: ignore[override]
        return self.request("POST", path, body, token).ok()
