"""Polls with changed_since: a few changes cost a few workspaces' diff, and alert exactly as a
diff of the whole listing would."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.alerts.poller import Poller
from bot.alerts.quiet import FULL_EVERY
from bot.simulator.changes import ChangeLog, CursorExpired
from bot.slack.deps import Deps
from tests.support.pollers import StepClock, diff_sizes, mock_api_poller

START = datetime(2025, 10, 13, 14, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Api:
    """A fleet listing with an ETag and, when `cursors`, an X-Sync-Cursor and changed_since
    answered from the simulator's own ChangeLog."""

    def __init__(self, cursors: bool) -> None:
        self.cursors = cursors
        self.fleet: dict[str, dict[str, Any]] = {}
        self.log = ChangeLog()
        self.asked: list[str] = []  # "full", "since" or "tag" for each listing request
        self.answered: list[int] = []

    def set(self, name: str, status: str = "success", **kw: Any) -> None:
        self.fleet[name] = {"name": name, "status": status, "sync_interval": "10m", **kw}
        self.log.record([name], [])

    def remove(self, name: str) -> None:
        del self.fleet[name]
        self.log.record([], [name])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/workspaces"):
            return httpx.Response(200, json={"conflicts": []})
        since = request.url.params.get("changed_since")
        sent = request.headers.get("if-none-match")
        self.asked.append("since" if since else "tag" if sent else "full")
        headers = {"ETag": f'"v{self.log.version}"'}
        if self.cursors:
            headers["X-Sync-Cursor"] = str(self.log.version)
        if sent == headers["ETag"]:
            response = httpx.Response(304, headers=headers)
        elif since is None:
            body = json.dumps({"workspaces": list(self.fleet.values())})
            response = httpx.Response(200, content=body, headers=headers)
        else:
            try:
                changed, removed = self.log.since(since)
            except CursorExpired:
                return httpx.Response(410, json={"error": "cursor_expired", "message": "old"})
            body = json.dumps({"workspaces": [self.fleet[n] for n in changed], "removed": removed})
            response = httpx.Response(200, content=body, headers=headers)
        self.answered.append(response.status_code)
        return response


Built = tuple[Deps, Poller, StepClock]


@pytest.fixture
def diffs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many workspaces each diff was handed."""
    return diff_sizes(monkeypatch)


@pytest.fixture
def build(tmp_path: Path) -> Callable[[Api, str], Built]:
    def make(api: Api, name: str) -> Built:
        clock = StepClock(START)
        deps, poller, _ = mock_api_poller(
            api, clock=clock, ttl=3600, db_path=tmp_path / f"{name}.db"
        )
        return deps, poller, clock

    return make


def outbox(deps: Deps) -> list[tuple[str, ...]]:
    """Every queued delivery, as data (ids and times aside): what Slack would be sent."""
    rows = deps.store.db.execute(
        "SELECT key, channel, op, card, payload, kind, episode FROM alert_outbox"
    ).fetchall()
    return sorted(tuple(str(v) for v in row) for row in rows)


def episodes(deps: Deps) -> list[tuple[str, ...]]:
    rows = deps.store.db.execute("SELECT * FROM alert_episodes").fetchall()
    return sorted(tuple(str(v) for v in row) for row in rows)


def _script(api: Api, clock: StepClock, poller: Poller) -> None:
    """A fleet of 30 through failures, a new error, recoveries, a removal while failing, one
    removed and added again, a newcomer failing, and a stall that comes by the clock alone."""
    for i in range(30):
        api.set(f"ws-{i:02d}", last_sync=_iso(START - timedelta(minutes=5)))
    late = _iso(START + timedelta(minutes=3))  # due in 3 minutes, never synced: stalls later
    api.set("late", next_sync=late, sync_enabled=True)
    steps: list[Callable[[], None]] = [
        lambda: None,
        lambda: api.set("ws-03", "failed", message="Error: boom", last_sync=_iso(clock.now)),
        lambda: api.set("ws-07", "failed", message="Error: quota", last_sync=_iso(clock.now)),
        lambda: api.set("ws-03", "failed", message="Error: other", last_sync=_iso(clock.now)),
        lambda: api.set("ws-07", "success", last_sync=_iso(clock.now)),
        lambda: api.remove("ws-03"),
        lambda: (api.remove("ws-10"), api.set("ws-10", "failed", message="Error: back")),
        lambda: api.set("newcomer", "failed", message="Error: new", last_sync=_iso(clock.now)),
        lambda: None,
        lambda: api.set("ws-20", "conflict", open_conflicts=1),
        lambda: api.set("ws-10", "success", last_sync=_iso(clock.now)),
        lambda: None,
    ]
    for step in steps:
        step()
        poller.tick()
        assert poller.outcome == "ok"
        clock.now += timedelta(seconds=45)
    for _ in range(25):  # the stall comes due, and a full listing falls in this stretch
        poller.tick()
        clock.now += timedelta(seconds=45)


def test_the_same_alerts_with_cursors_as_with_whole_listings(
    build: Callable[[Api, str], Built], diffs: list[int]
) -> None:
    whole_api, cursor_api = Api(cursors=False), Api(cursors=True)
    whole, whole_poller, whole_clock = build(whole_api, "whole")
    _script(whole_api, whole_clock, whole_poller)
    whole_diffs = list(diffs)
    diffs.clear()
    with_cursor, cursor_poller, cursor_clock = build(cursor_api, "cursor")
    _script(cursor_api, cursor_clock, cursor_poller)

    assert "since" not in whole_api.asked
    assert cursor_api.asked.count("since") >= 8
    assert outbox(with_cursor) == outbox(whole)
    assert episodes(with_cursor) == episodes(whole)
    kinds = {row[5] for row in outbox(whole)}
    assert {"failed", "recovered", "gone", "stalled"} <= kinds
    assert cursor_poller.seen == whole_poller.seen
    # Cost: a changed_since tick diffs its one or two workspaces, not the fleet of 31.
    assert min(whole_diffs) >= 30
    assert len([n for n in diffs if n <= 2]) >= 8
    assert len([n for n in diffs if n > 2]) <= 4  # the first, two every-10-minutes, the stall


def test_a_stall_due_by_the_clock_diffs_the_whole_merged_listing(
    build: Callable[[Api, str], Built], diffs: list[int]
) -> None:
    api = Api(cursors=True)
    due = _iso(START - timedelta(minutes=5))  # stalls in 5 minutes (10-minute floor)
    api.set("late", next_sync=due, sync_enabled=True, sync_interval="5m")
    api.set("other")
    deps, poller, clock = build(api, "stall")
    poller.tick()
    clock.now += timedelta(minutes=4)
    api.set("other", "success", message=None, last_sync=_iso(clock.now))
    poller.tick()
    assert api.asked == ["full", "since"] and diffs == [2, 1]
    clock.now += timedelta(minutes=2)
    api.set("other", "success", last_sync=_iso(clock.now))
    poller.tick()  # a changed_since answer of one, but the stall is due: both are diffed
    assert api.asked[-1] == "since" and diffs[-1] == 2
    assert [row[5] for row in outbox(deps)] == ["stalled"]


def test_a_tick_that_crashed_after_listing_is_followed_by_a_whole_listing(
    build: Callable[[Api, str], Built], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's cursor moved on with that listing, the snapshot did not: asking changed_since
    again would never show what the crashed tick lost."""
    api = Api(cursors=True)
    api.set("a")
    deps, poller, clock = build(api, "crash")
    poller.tick()
    api.set("a", "failed", message="Error: boom", last_sync=_iso(clock.now))
    real = poller._commit

    def crash(*args: Any, **kw: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(poller, "_commit", crash)
    with pytest.raises(RuntimeError):
        poller.tick()
    monkeypatch.setattr(poller, "_commit", real)
    poller.tick()
    assert api.asked == ["full", "since", "full"]
    assert [row[5] for row in outbox(deps)] == ["failed"]


def test_the_full_listing_still_comes_every_ten_minutes(
    build: Callable[[Api, str], Built],
) -> None:
    api = Api(cursors=True)
    api.set("a")
    _, poller, clock = build(api, "every")
    ticks = int(FULL_EVERY / timedelta(seconds=30))
    for i in range(ticks + 1):
        api.set("a", "success", last_sync=_iso(START + timedelta(seconds=i)))
        poller.tick()
        clock.now += timedelta(seconds=30)
    assert api.asked.count("full") == 2
    assert api.asked[0] == api.asked[-1] == "full"
    assert api.asked[1:-1] == ["since"] * (ticks - 1)  # every tick between: only the changes
