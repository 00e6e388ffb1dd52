"""What stands around the /v1 handlers: rate limits, idempotency replay, faults, request log.

All of these are touched only from the event loop thread, so they need no lock.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.errors import validation_error

WINDOW_SECONDS = 60.0
IDEMPOTENCY_KEYS_KEPT = 10_000
REQUESTS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


class RateLimiter:
    """A rolling window: at most `limit` accepted hits per key in any 60 seconds."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int, now: float) -> Verdict:
        hits = self._window(key, now)
        allowed = len(hits) < limit
        if allowed:
            hits.append(now)
        # Refused hits are not counted, so a client that backs off recovers on time.
        return self._verdict(hits, allowed, limit, now)

    def refund(self, key: str, limit: int, now: float) -> Verdict:
        """Give back the hit just counted: a 304, which GitHub's API does not count either."""
        hits = self._window(key, now)
        if hits:
            hits.pop()
        return self._verdict(hits, True, limit, now)

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        return hits

    @staticmethod
    def _verdict(hits: deque[float], allowed: bool, limit: int, now: float) -> Verdict:
        oldest = hits[0] if hits else now
        reset_at = oldest + WINDOW_SECONDS
        return Verdict(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - len(hits)),
            reset_at=math.ceil(reset_at),
            retry_after=max(1, math.ceil(reset_at - now)),
        )

    def clear(self) -> None:
        self._hits.clear()


@dataclass(frozen=True, slots=True)
class Replay:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes


class IdempotencyStore:
    """The answer to each (API key, Idempotency-Key), for the last 10,000 keys."""

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[str, str], Replay] = OrderedDict()
        self.in_flight: set[tuple[str, str]] = set()

    def get(self, key: tuple[str, str]) -> Replay | None:
        return self._answers.get(key)

    def put(self, key: tuple[str, str], replay: Replay) -> None:
        self._answers[key] = replay
        self._answers.move_to_end(key)
        while len(self._answers) > IDEMPOTENCY_KEYS_KEPT:
            self._answers.popitem(last=False)

    def clear(self) -> None:
        self._answers.clear()
        self.in_flight.clear()


@dataclass(slots=True)
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    malformed_rate: float = 0.0
    rate_limit_per_minute: int | None = None

    @classmethod
    def parse(cls, body: Any) -> Faults:
        if not isinstance(body, dict):
            raise validation_error([("body", "must be a JSON object")])
        problems = [(key, "unknown field") for key in body if key not in cls.__slots__]
        faults = cls()
        checks = (
            ("latency_ms", (int, float), 0, 60_000),
            ("error_rate", (int, float), 0, 1),
            ("error_status", (int,), 400, 599),
            ("malformed_rate", (int, float), 0, 1),
            ("rate_limit_per_minute", (int,), 1, 1_000_000),
        )
        for key, kinds, low, high in checks:
            value = body.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
                problems.append((key, f"must be a number from {low} to {high}"))
            else:
                setattr(faults, key, value)
        if problems:
            raise validation_error(problems)
        return faults

    def wire(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__slots__}


@dataclass(slots=True)
class RequestLog:
    entries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUESTS_KEPT))

    def add(self, method: str, path: str, status: int, key: str | None, at: str) -> None:
        self.entries.append(
            {"method": method, "path": path, "status": status, "idempotency_key": key, "at": at}
        )
