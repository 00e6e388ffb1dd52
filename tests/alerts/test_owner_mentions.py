"""Owners called: the alert card of a matching workspace mentions its owners, once per episode
(its first post; its in-place updates keep the line, and an edit notifies no one), never in the
thread replies that follow. The poller's tick in-process against a MockTransport Sync API."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.poller import Poller
from bot.slack.blockkit import message_problems
from bot.slack.deps import Deps
from tests.alerts.test_poller import Api
from tests.support.pollers import mock_api_poller

OPERATOR = "UOPER0001"
ANA, PLATFORM = "<@U0ANA>", "<!subteam^S0PLAT>"
MINUTES = itertools.count(1)


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def built(tmp_path: Path, api: Api) -> tuple[Deps, Poller]:
    deps, poller, _ = mock_api_poller(api, db_path=tmp_path / "fsync.db", operators=[OPERATOR])
    return deps, poller


def sent(deps: Deps) -> list[tuple[str, str, dict[str, Any]]]:
    """(op, key, payload) of every outbox row, in order."""
    rows = deps.store.db.execute("SELECT op, key, payload FROM alert_outbox ORDER BY id")
    return [(op, key, json.loads(payload)) for op, key, payload in rows.fetchall()]


def later(api: Api, name: str, status: str = "success", message: str | None = None) -> None:
    """`name` as a later sync left it."""
    api.set(name, status, message)
    api.fleet[name]["last_sync"] = f"2025-10-13T15:{next(MINUTES):02d}:00Z"


def calls(payload: dict[str, Any]) -> bool:
    return ANA in json.dumps(payload) and PLATFORM in json.dumps(payload)


def test_owners_are_mentioned_on_the_card_once_per_episode_not_in_replies(
    built: tuple[Deps, Poller], api: Api
) -> None:
    deps, poller = built
    assert deps.owners is not None
    deps.owners.assign(OPERATOR, "dev*", ("U0ANA", "S0PLAT"))
    api.set("dev-1")
    api.set("dev-2")
    api.set("qa")
    poller.tick()
    api.set("dev-1", "failed", "boom")
    api.set("dev-2", "conflict")
    api.set("qa", "failed", "bang")
    poller.tick()
    later(api, "dev-1", "failed", "boom again")  # a later failed sync: the same episode
    poller.tick()
    later(api, "dev-1")  # back
    poller.tick()
    rows = sent(deps)
    assert all(message_problems(p) == [] for _, _, p in rows)

    posts = {key: p for op, key, p in rows if op == "post"}
    by_card = {key.split(":")[1]: p for key, p in posts.items()}
    assert len(by_card) == 3
    dev1, dev2, qa = (
        next(p for p in by_card.values() if name in json.dumps(p))
        for name in ("*dev-1*", "*dev-2*", "*qa*")
    )
    assert calls(dev1) and calls(dev2) and not calls(qa)  # qa matches no owner pattern
    assert ANA in dev1["text"]  # in the notification text too: that is what notifies
    replies = [p for op, _, p in rows if op == "reply"]
    assert len(replies) >= 2 and not any(calls(p) for p in replies)
    updates = [p for op, key, p in rows if op == "update" and "dev-1" in json.dumps(p)]
    assert updates and all(calls(p) for p in updates)  # the card keeps its line

    later(api, "dev-1", "failed", "boom once more")  # a new episode: called again, once
    poller.tick()
    new_posts = [p for op, _, p in sent(deps)[len(rows) :] if op == "post"]
    assert len(new_posts) == 1 and calls(new_posts[0])


def test_the_sync_api_s_own_episode_calls_no_owner(built: tuple[Deps, Poller], api: Api) -> None:
    deps, poller = built
    assert deps.owners is not None
    deps.owners.assign(OPERATOR, "dev*", ("U0ANA",))
    api.set("dev-1")
    poller.tick()
    api.down = 503
    for _ in range(4):
        poller.tick()
    rows = sent(deps)
    assert rows and not any("U0ANA" in json.dumps(p) for _, _, p in rows)
