"""A poll of an unchanged fleet (ETag / 304) does no diff and writes nothing, yet counts as good."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.alerts.poller import Poller
from bot.slack.deps import Deps
from tests.support.pollers import StepClock, diff_sizes, mock_api_poller
from tests.support.postgres import settings_for, writes

START = datetime(2025, 10, 13, 14, 0, tzinfo=UTC)


class Api:
    """A fleet listing with an ETag that moves whenever the test edits the fleet."""

    def __init__(self) -> None:
        self.fleet: dict[str, dict[str, Any]] = {}
        self.version = 0
        self.down = 0
        self.asked: list[str | None] = []  # If-None-Match of each listing request
        self.answered: list[int] = []

    def set(self, name: str, status: str = "success", **kw: Any) -> None:
        self.version += 1
        self.fleet[name] = {"name": name, "status": status, "sync_interval": "10m", **kw}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/workspaces"):
            return httpx.Response(200, json={"conflicts": []})
        self.asked.append(request.headers.get("if-none-match"))
        tag = f'"v{self.version}"'
        if self.down:
            response = httpx.Response(self.down, json={"error": "unavailable", "message": "x"})
        elif self.asked[-1] == tag:
            response = httpx.Response(304, headers={"ETag": tag})
        else:
            body = json.dumps({"workspaces": list(self.fleet.values())})
            response = httpx.Response(200, content=body, headers={"ETag": tag})
        self.answered.append(response.status_code)
        return response


Built = tuple[Deps, Poller, StepClock]


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def diffs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many workspaces each diff was handed."""
    return diff_sizes(monkeypatch)


@pytest.fixture
def build(database: str, api: Api) -> Callable[[], Built]:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""

    def make() -> Built:
        clock = StepClock(START)
        deps, poller, _ = mock_api_poller(api, clock=clock, ttl=3600, **settings_for(database))
        return deps, poller, clock

    return make


def cards(deps: Deps) -> list[str]:
    rows = deps.store.db.execute("SELECT key FROM alert_outbox ORDER BY id").fetchall()
    return [row[0].split(":")[0] for row in rows]


def test_an_unchanged_fleet_tick_does_no_diff_and_writes_nothing(
    build: Callable[[], Built], api: Api, diffs: list[int]
) -> None:
    api.set("ok")
    api.set("broken", "failed", message="boom")
    deps, poller, clock = build()
    poller.tick()
    assert diffs == [2]
    written = writes(deps.store)
    for _ in range(5):
        clock.now += timedelta(seconds=30)
        before = deps.client.last_ok_at
        poller.tick()
        assert poller.outcome == "ok"
        assert deps.client.last_ok_at is not None and deps.client.last_ok_at != before
    assert api.answered == [200] + [304] * 5
    assert api.asked[1:] == ['"v2"'] * 5
    assert diffs == [2]  # no diff after the first listing
    assert writes(deps.store) == written
    assert cards(deps) == ["card"]


def test_a_change_after_quiet_ticks_still_alerts(
    build: Callable[[], Built], api: Api, diffs: list[int]
) -> None:
    api.set("ok")
    deps, poller, _ = build()
    poller.tick()
    poller.tick()
    api.set("ok", "failed", message="Error: boom")
    poller.tick()
    assert api.answered == [200, 304, 200]
    assert diffs == [1, 1]
    assert cards(deps) == ["card"]


def test_a_full_listing_every_ten_minutes(
    build: Callable[[], Built], api: Api, diffs: list[int]
) -> None:
    api.set("ok")
    _, poller, clock = build()
    for _ in range(20):  # 19 ticks 30 s apart: 9.5 minutes
        poller.tick()
        clock.now += timedelta(seconds=30)
    assert api.asked.count(None) == 1
    poller.tick()  # 10 minutes after the first
    assert api.asked.count(None) == 2
    assert api.asked[-1] is None and api.answered[-1] == 200
    assert len(diffs) == 2


def test_the_api_coming_back_with_an_unchanged_fleet_is_announced(
    build: Callable[[], Built], api: Api
) -> None:
    api.set("ok")
    deps, poller, _ = build()
    poller.tick()
    api.down = 503
    for _ in range(4):
        poller.tick()
    api.down = 0
    poller.tick()
    assert api.answered[-1] == 304
    assert poller.health.failures == 0
    assert cards(deps) == ["card", "update", "reply"]  # api down, api back (+ reply)


def test_a_stall_due_by_the_clock_alone_is_found_on_a_304(
    build: Callable[[], Built], api: Api, diffs: list[int]
) -> None:
    # Overdue by 5 minutes now: stalled (10-minute floor > 2 x 5m interval) in 5 minutes.
    due = (START - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    api.set("late", "success", next_sync=due, sync_enabled=True, sync_interval="5m")
    deps, poller, clock = build()
    poller.tick()
    clock.now += timedelta(minutes=4)
    poller.tick()  # a full listing is not due yet and nothing is stalled yet: no diff
    assert api.answered == [200, 304] and len(diffs) == 1
    clock.now += timedelta(minutes=2)
    poller.tick()  # no full listing due and still 304, but the stall is: a diff runs
    assert api.answered == [200, 304, 304] and len(diffs) == 2
    assert cards(deps) == ["card"]
    clock.now += timedelta(minutes=1)
    poller.tick()  # that stall is known: quiet again
    assert api.answered[-1] == 304 and len(diffs) == 2
