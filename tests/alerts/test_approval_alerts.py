"""The `approval` event kind: a workspace whose current run waits for approval posts a card with
the plan and its Approve / Discard buttons to the routes that want `approval` (and to the
default channel), and the card is closed once the run moves on. In-process poller ticks against
a Sync API over httpx.MockTransport and a real Store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.alerts import approvals
from bot.alerts.diff import diff
from bot.alerts.model import EventKind
from bot.alerts.poller import Poller
from bot.slack import alert_cards
from bot.slack.deps import Deps
from bot.slack.ids import Action
from tests.alerts.blockkit import assert_valid
from tests.alerts.conftest import NOW, POLICY, ws
from tests.support.pollers import mock_api_poller

RUN = {
    "id": "run_W1",
    "workspace": "prod-eu",
    "status": "awaiting_approval",
    "requested_by": "scheduler",
    "plan": {
        "add": 1,
        "change": 0,
        "destroy": 2,
        "resources": [{"address": "aws_instance.bastion", "action": "delete"}],
    },
}


class Api:
    def __init__(self) -> None:
        self.fleet: dict[str, dict[str, Any]] = {}
        self.run_reads = 0

    def set(self, name: str, status: str, run_id: str | None = None) -> None:
        self.fleet[name] = {
            "name": name,
            "status": status,
            "sync_interval": "10m",
            "last_sync": "2025-10-13T14:00:00Z",
            "current_run_id": run_id,
            "message": "Plan: 1 to add, 0 to change, 2 to destroy." if run_id else None,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if "/runs/" in request.url.path:
            self.run_reads += 1
            return httpx.Response(200, json=RUN)
        return httpx.Response(200, json={"workspaces": list(self.fleet.values())})


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def stack(tmp_path: Path, api: Api) -> tuple[Deps, Poller]:
    deps, poller, _ = mock_api_poller(
        api, db_path=tmp_path / "fsync.db", admins=["UADMIN001"], poll_interval=30
    )
    return deps, poller


def outbox(deps: Deps) -> list[tuple[str, str, str, dict[str, Any]]]:
    rows = deps.store.db.execute(
        "SELECT channel, op, kind, payload FROM alert_outbox ORDER BY id"
    ).fetchall()
    return [(c, op, kind, json.loads(payload)) for c, op, kind, payload in rows]


def test_a_waiting_plan_is_routed_to_who_subscribed_to_approval(
    stack: tuple[Deps, Poller], api: Api
) -> None:
    deps, poller = stack
    assert deps.alerts is not None
    deps.alerts.subscribe("UADMIN001", "CPLANS", "prod*", ["approval"])
    deps.alerts.subscribe("UADMIN001", "CFAILS", "prod*", ["failed"])
    api.set("prod-eu", "success")
    poller.tick()
    assert outbox(deps) == []
    api.set("prod-eu", "awaiting_approval", "run_W1")
    poller.tick()
    posted = outbox(deps)
    assert sorted((c, op, kind) for c, op, kind, _ in posted) == [
        ("CALERTS", "post", "approval"),
        ("CPLANS", "post", "approval"),
    ]
    card = posted[0][3]
    shown = json.dumps(card["blocks"])
    assert "has a plan waiting for approval" in shown and "+1 ~0 *-2*" in shown
    assert "aws_instance.bastion" in shown
    ids = [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == [Action.APPROVE_CONFIRMED, Action.DISCARD_CONFIRMED]  # prod* is protected
    assert_valid(card)
    poller.tick()  # still waiting: nothing new, the run read once
    assert len(outbox(deps)) == 2 and api.run_reads == 1
    api.set("prod-eu", "running")
    poller.tick()
    closed = [(c, op, kind, p) for c, op, kind, p in outbox(deps)[2:]]
    assert sorted((c, op, kind) for c, op, kind, _ in closed) == [
        ("CALERTS", "update", "decided"),
        ("CPLANS", "update", "decided"),
    ]
    update = closed[0][3]
    assert "no longer waits for approval" in json.dumps(update["blocks"])
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    assert_valid(update)


def test_an_apply_that_fails_between_two_polls_closes_the_plan_and_opens_a_failure() -> None:
    waiting = ws("prod-eu", "awaiting_approval", current_run_id="run_W1")
    first = diff({}, {}, [waiting], NOW, waiting={"prod-eu": RUN})
    (opened,) = first.events
    assert opened.kind == EventKind.APPROVAL and opened.episode.waiting_run == RUN
    failed = ws("prod-eu", "failed", "Error: apply failed", last_sync=NOW + timedelta(minutes=1))
    later = diff(first.seen, first.episodes, [failed], NOW + timedelta(minutes=2))
    assert [e.kind for e in later.events] == [EventKind.DECIDED, EventKind.FAILED]
    assert later.seen["prod-eu"].episode not in (None, opened.episode.id)


def test_a_new_plan_on_the_same_workspace_is_a_new_card() -> None:
    waiting = ws("prod-eu", "awaiting_approval", current_run_id="run_W1")
    first = diff({}, {}, [waiting], NOW)
    again = ws("prod-eu", "awaiting_approval", current_run_id="run_W2", last_sync=NOW)
    later = diff(first.seen, first.episodes, [again], NOW + timedelta(minutes=1))
    assert [e.kind for e in later.events] == [EventKind.DECIDED, EventKind.APPROVAL]


def test_only_workspaces_that_began_to_wait_have_their_run_read() -> None:
    waiting = ws("a", "awaiting_approval", current_run_id="run_1")
    assert approvals.needs_runs({}, [waiting, ws("b")]) == [waiting]
    seen = diff({}, {}, [waiting], NOW).seen
    assert approvals.needs_runs(seen, [waiting]) == []


@pytest.mark.parametrize("protected", [False, True])
def test_the_card_without_its_plan_still_says_what_waits(protected: bool) -> None:
    name = "prod-eu" if protected else "data"
    found = diff({}, {}, [ws(name, "awaiting_approval", current_run_id="run_1")], NOW)
    card: Callable[..., dict[str, Any]] = alert_cards.episode_card
    payload = card(found.events[0].episode, POLICY)
    assert "has a plan waiting for approval" in json.dumps(payload["blocks"])
    assert_valid(payload)


def test_a_waiting_plan_calls_the_workspace_s_owners_once(
    stack: tuple[Deps, Poller], api: Api
) -> None:
    deps, poller = stack
    assert deps.owners is not None
    deps.owners.assign("UADMIN001", "prod*", ("U0ANA",))
    api.set("prod-eu", "success")
    poller.tick()
    api.set("prod-eu", "awaiting_approval", "run_W1")
    poller.tick()
    api.set("prod-eu", "running")
    poller.tick()
    rows = outbox(deps)
    (post,) = [p for _, op, kind, p in rows if op == "post"]
    assert "<@U0ANA>" in post["text"] and "<@U0ANA>" in json.dumps(post["blocks"])
    assert all(op != "reply" for _, op, _, _ in rows)  # the card calls them, nothing else does
