"""Fakes for the client tests: a controllable clock and scripted `Request -> Response` servers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Step = Callable[[httpx.Request], httpx.Response]

BASE_URL = "https://api.example.test"
API_KEY = "sk-test-Zq8Ui2bX0mQ7-never-show"
START = 1000.0
WALL_START = 1_760_000_000.0  # whole seconds, so HTTP dates (second resolution) are exact


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    now: float = START
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + (self.now - START)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def reply(
    status: int = 200,
    body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
) -> Step:
    """A step answering `status` with a JSON `body`, or raw `text`, or nothing."""

    def step(request: httpx.Request) -> httpx.Response:
        hdrs = dict(headers or {})
        if body is not None:
            content = json.dumps(body).encode()
            hdrs.setdefault("content-type", content_type or "application/json")
        elif text is not None:
            content = text.encode()
            hdrs.setdefault("content-type", content_type or "text/html; charset=utf-8")
        else:
            content = b""
        return httpx.Response(status, content=content, headers=hdrs)

    return step


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Step:
    def step(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return step


def api_error(status: int, error: str, message: str = "", **extra: Any) -> Step:
    return reply(status, {"error": error, "message": message or error, "code": status, **extra})


class Script:
    """A fake server: answers with `steps` in order, repeating the last; records every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        return step(request)

    @property
    def keys(self) -> list[str | None]:
        return [r.headers.get("idempotency-key") for r in self.requests]


class Router:
    """A fake server dispatching on (method, path); unknown routes answer a JSON 404."""

    def __init__(self, routes: dict[tuple[str, str], Step]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.routes.get((request.method, request.url.path))
        if step is None:
            return reply(404, {"error": "not_found", "message": "no route", "code": 404})(request)
        return step(request)
