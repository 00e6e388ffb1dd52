"""Small helpers for the simulator tests."""

from __future__ import annotations

from typing import Any

import httpx

V1 = "/v1/terraform/sync"


def workspace(client: httpx.Client, name: str) -> dict[str, Any]:
    listed = client.get(f"{V1}/workspaces").json()["workspaces"]
    return next(ws for ws in listed if ws["name"] == name)


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["code"] == response.status_code
    assert isinstance(body["message"], str) and body["message"]
    return body["error"]
