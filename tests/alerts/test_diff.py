"""diff(): previous snapshot + new listing -> events. Table-driven, whole results compared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.alerts.api_health import ApiHealth, api_failed, api_ok
from bot.alerts.diff import Diff, diff, needs_conflicts, reminders
from bot.alerts.model import Mute
from bot.firestartr.models import Workspace
from tests.alerts.conftest import NOW, ws

LATER = NOW + timedelta(minutes=1)
SYNCED_AGAIN = {"last_sync": NOW + timedelta(seconds=30)}
CONFLICT = {"id": "cfl_1", "workspace": "a", "status": "open", "summary": "drift"}


def run(
    before: list[Workspace] | None,
    after: list[Workspace],
    conflicts: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[list[str], Diff]:
    prev, episodes = {}, {}
    if before is not None:
        first = diff({}, {}, before, NOW, {"a": [CONFLICT]})
        prev = first.seen
        episodes = {e.id: e for e in first.episodes.values() if e.closed_at is None}
    result = diff(prev, episodes, after, LATER, conflicts)
    return [e.kind + ("+" if e.opens else "") for e in result.events], result


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, [ws("a", "failed", "boom")], ["failed+"]),
        (None, [ws("a")], []),
        ([ws("a")], [ws("a", "failed", "boom", **SYNCED_AGAIN)], ["failed+"]),
        ([ws("a", "failed", "boom")], [ws("a", "failed", "boom")], []),
        ([ws("a", "failed", "boom")], [ws("a", "failed", "other", **SYNCED_AGAIN)], ["failed"]),
        ([ws("a", "failed", "boom 1")], [ws("a", "failed", "boom 2", **SYNCED_AGAIN)], ["repeat"]),
        ([ws("a", "failed", "boom")], [ws("a", "failed", "boom", **SYNCED_AGAIN)], ["repeat"]),
        ([ws("a", "failed", "boom")], [ws("a", "running", "boom")], []),
        ([ws("a", "failed", "boom")], [ws("a", **SYNCED_AGAIN)], ["recovered"]),
        ([ws("a")], [ws("a", "conflict", "drift", open_conflicts=1)], ["conflict+"]),
        ([ws("a", "conflict", open_conflicts=1)], [ws("a", "running")], ["resolved"]),
        ([ws("a", "conflict", open_conflicts=1)], [ws("a", **SYNCED_AGAIN)], ["recovered"]),
        ([ws("a", "failed", "boom")], [ws("a", "conflict", open_conflicts=1)], ["conflict"]),
        ([ws("a", "failed", "boom")], [ws("a", "disabled", sync_enabled=False)], ["gone"]),
        ([ws("a", "failed", "boom")], [], ["gone"]),
        ([ws("a")], [], []),
        ([ws("a")], [ws("a", next_sync=NOW - timedelta(hours=1))], ["stalled+"]),
        ([ws("a", next_sync=NOW - timedelta(hours=1))], [ws("a", **SYNCED_AGAIN)], ["recovered"]),
        # Overdue, but less than max(2 intervals, 10 minutes): not stalled yet.
        ([ws("a")], [ws("a", next_sync=NOW - timedelta(minutes=15))], []),
        (
            [ws("a")],
            [ws("a", "disabled", sync_enabled=False, next_sync=NOW - timedelta(hours=1))],
            [],
        ),
        ([ws("a")], [ws("a", "running", next_sync=NOW - timedelta(hours=1))], []),
    ],
)
def test_transitions(
    before: list[Workspace] | None, after: list[Workspace], expected: list[str]
) -> None:
    kinds, _ = run(before, after)
    assert kinds == expected


def test_an_episode_lasts_from_first_failure_to_recovery() -> None:
    first = diff({}, {}, [ws("a", "failed", "boom")], NOW)
    (opened,) = first.events
    episodes = {opened.episode.id: opened.episode}
    again = diff(first.seen, episodes, [ws("a", "failed", "worse", **SYNCED_AGAIN)], LATER)
    (news,) = again.events
    assert news.episode.id == opened.episode.id and news.episode.failures == 2
    assert news.episode.message == "worse" and news.episode.first_message == "boom"
    episodes = {news.episode.id: news.episode}
    back = diff({**first.seen, **again.seen}, episodes, [ws("a", **SYNCED_AGAIN)], LATER)
    (recovered,) = back.events
    assert recovered.episode.closed_at == LATER and recovered.episode.closed_how == "recovered"
    assert back.seen["a"].episode is None


def test_keys_depend_on_what_the_api_said_not_on_when_we_looked() -> None:
    listing = [ws("a", "failed", "boom"), ws("b", "conflict", open_conflicts=1)]
    one = diff({}, {}, listing, NOW, {"b": [CONFLICT | {"workspace": "b"}]})
    two = diff({}, {}, listing, NOW + timedelta(hours=1), {"b": [CONFLICT | {"workspace": "b"}]})
    assert [e.key for e in one.events] == [e.key for e in two.events]


def test_conflicts_are_read_once_per_new_conflict() -> None:
    first = diff({}, {}, [ws("a", "conflict", open_conflicts=1), ws("b")], NOW)
    listing = [ws("a", "conflict", open_conflicts=1), ws("b", "conflict", open_conflicts=1)]
    assert needs_conflicts({}, listing) == ["a", "b"]
    assert needs_conflicts(first.seen, listing) == ["b"]
    assert needs_conflicts(first.seen, [ws("a", "conflict", open_conflicts=2)]) == ["a"]


def test_a_conflict_card_carries_the_conflicts_read() -> None:
    _, result = run(None, [ws("a", "conflict", open_conflicts=1)], {"a": [CONFLICT]})
    (event,) = result.events
    assert event.episode.conflicts == (CONFLICT,) and event.anchor == "cfl_1"


def test_resolving_marks_the_conflicts_resolved() -> None:
    _, result = run([ws("a", "conflict", open_conflicts=1)], [ws("a", "running")])
    (event,) = result.events
    assert [c["status"] for c in event.episode.conflicts] == ["resolved"]


def test_unchanged_workspaces_cost_nothing() -> None:
    listing = [ws(f"w{i}") for i in range(1000)]
    first = diff({}, {}, listing, NOW)
    assert diff(first.seen, {}, listing, NOW) == Diff()


def test_the_api_alerts_once_on_the_third_failure_and_once_when_back() -> None:
    health, seen = ApiHealth(), []
    for minute in range(6):
        health, event = api_failed(health, NOW + timedelta(minutes=minute), "HTTP 503")
        seen.append(event.kind if event else None)
    assert seen == [None, None, "api", None, None, None]
    assert health.failures == 6 and health.since == NOW
    health, back = api_ok(health, NOW + timedelta(minutes=10))
    assert back is not None and back.kind == "recovered" and back.episode.is_api
    assert back.episode.closed_at - back.episode.opened_at == timedelta(minutes=10)
    assert health == ApiHealth()
    assert api_ok(ApiHealth(failures=2, since=NOW), NOW) == (ApiHealth(), None)


@pytest.mark.parametrize(
    ("ended", "active", "expected"),
    [
        (["a*"], [], ["a1"]),
        (["*"], [], ["a1", "b1"]),
        (["a*"], ["a1"], []),  # still covered by another mute
        (["c*"], [], []),
        (["a*", "a1"], [], ["a1"]),  # one reminder per episode
    ],
)
def test_reminders_when_a_mute_ends(
    ended: list[str], active: list[str], expected: list[str]
) -> None:
    listing = [ws("a1", "failed", "boom"), ws("b1", "failed", "boom"), ws("a2")]
    episodes = list(diff({}, {}, listing, NOW).episodes.values())
    done = [Mute(g, NOW - timedelta(seconds=1)) for g in ended]
    still = [Mute(g, NOW + timedelta(hours=1)) for g in active]
    events = reminders(done, still, episodes, NOW)
    assert sorted(e.episode.workspace for e in events) == expected
    assert all(e.kind == "reminder" and "still failing" in e.note for e in events)
