"""Small helpers for the simulator tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

V1 = "/v1/terraform/sync"


def wait_for(probe: Callable[[], Any], timeout: float = 5.0, every: float = 0.05) -> Any:
    """Poll `probe` until it returns something truthy; fail with its last answer otherwise."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s; last answer: {last!r}")


def workspace(client: httpx.Client, name: str) -> dict[str, Any]:
    listed = client.get(f"{V1}/workspaces").json()["workspaces"]
    return next(ws for ws in listed if ws["name"] == name)


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["code"] == response.status_code
    assert isinstance(body["message"], str) and body["message"]
    return body["error"]
