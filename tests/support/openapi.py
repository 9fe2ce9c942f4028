"""Reading the OpenAPI document in tests: ``$ref``s replaced by what they name."""

from __future__ import annotations

from typing import Any


def inlined(doc: dict[str, Any], node: Any) -> Any:
    """``node`` of ``doc`` with every ``#/components/...`` reference replaced, recursively."""
    if isinstance(node, list):
        return [inlined(doc, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return inlined(doc, target)
    return {key: inlined(doc, value) for key, value in node.items()}


def json_schema(doc: dict[str, Any], path: str, method: str, status: str = "200") -> Any:
    """The inlined JSON schema of an operation's answer with ``status``."""
    response = doc["paths"][path][method]["responses"][status]
    return inlined(doc, response["content"]["application/json"]["schema"])


def body_schema(doc: dict[str, Any], path: str, method: str) -> Any:
    """The inlined JSON schema of an operation's request body."""
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
    return inlined(doc, body["schema"])
