"""Plans that wait for a yes, through `App.dispatch`: `/fsync sync` of an `auto_apply: false`
workspace whose forced plan has changes, its card followed to `awaiting_approval` with Approve /
Discard, and each click re-checked (role, protected, four-eyes, too late), against the session
simulator and a fake Slack that refuses what Slack refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.alerts import approvals as alert_approvals
from bot.firestartr.models import Workspace
from bot.slack import alert_cards
from bot.slack.ids import Action
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync, team_settings
from tests.support import slackreq
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

ADMIN, OPERATOR, VIEWER, CHANNEL = "UADMIN001", "UOPER0001", "UVIEW0001", "CCHAN0001"
V1 = "/v1/terraform/sync"


@dataclass
class Harness:
    fsync: Fsync
    slack: FakeSlack
    sim: SimProcess
    clicks: int = 0

    def sync(self, workspace: str, user: str, **plan: Any) -> dict[str, Any]:
        """`/fsync sync` of a workspace whose plan will wait; its card once it shows the plan."""
        forced = {"outcome": "changes", "add": 2, "change": 1, "destroy": 0, **plan}
        path = f"/_sim/workspaces/{workspace}/next_outcome"
        self.sim.control("POST", path, json=forced).raise_for_status()
        body = slackreq.command_body(
            f"sync {workspace}",
            user=user,
            channel=CHANNEL,
            response_url=self.slack.response_url("s"),
        )
        assert self.fsync.dispatch(body).status == 200
        if workspace.startswith("prod"):  # protected: the sync itself is confirmed first
            prompt = json.loads(self.answer("/s"))
            self.click(prompt, "Start sync", user)
        return self.card_with(Action.APPROVE)

    def card_with(self, text: str, after: int = 0) -> dict[str, Any]:
        """The latest update of the card that contains `text` (after the first `after`)."""
        (update, *_) = self.slack.wait_for(
            "chat.update", lambda c: text in json.dumps(c.args.get("blocks")), timeout=15
        )[after:] or [None]
        assert update is not None
        return {
            "ts": update.args["ts"],
            "text": update.args["text"],
            "blocks": update.args["blocks"],
        }

    def click(self, card: dict[str, Any], label: str, user: str) -> str:
        button = next(b for b in buttons(card) if b["text"]["text"] == label)
        self.clicks += 1
        name = f"click-{self.clicks}"
        payload = slackreq.action_payload(
            button["action_id"],
            button["value"],
            user=user,
            channel=CHANNEL,
            response_url=self.slack.response_url(name),
            message=card,
        )
        assert self.fsync.dispatch(slackreq.interactive_body(payload)).status == 200
        return name

    def answer(self, name: str) -> str:
        (said,) = self.slack.wait_for("response_url", lambda c: c.args["_path"].endswith(name))
        return json.dumps(said.args)

    def run(self, card: dict[str, Any]) -> dict[str, Any]:
        run_id = json.loads(buttons(card)[0]["value"])["ru"]
        return self.sim.api.get(f"{V1}/runs/{run_id}").json()


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.fixture
def four_eyes() -> list[str]:
    return []


@pytest.fixture
def harness(
    sim: SimProcess, tmp_path: Path, slack: FakeSlack, four_eyes: list[str]
) -> Iterator[Harness]:
    settings = team_settings(tmp_path, sim, slack, four_eyes=four_eyes)
    running = start_fsync(settings, slack)
    try:
        yield Harness(running, slack, sim)
    finally:
        running.stop()


def test_the_card_shows_the_plan_and_an_operator_approves_it(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR, destroy=1)
    shown = json.dumps(card["blocks"])
    assert "+2 ~1 *-1*" in shown and "aws_" in shown and "waiting for approval" in shown
    ids = [b["action_id"] for b in buttons(card)]
    assert ids == [Action.APPROVE, Action.DISCARD]
    assert all("confirm" not in b for b in buttons(card))
    harness.click(card, "Approve", OPERATOR)
    approved = harness.card_with(f"Approved by <@{OPERATOR}>")
    assert not buttons(approved)
    done = harness.card_with(":large_green_circle: succeeded")
    assert f"Approved by <@{OPERATOR}>" in json.dumps(done["blocks"])
    run = harness.run(card)
    assert (run["status"], run["decided_by"]) == ("succeeded", OPERATOR)
    assert harness.slack.invalid == []


def test_discard_ends_the_run(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR)
    harness.click(card, "Discard", OPERATOR)
    discarded = harness.card_with(f"Discarded by <@{OPERATOR}>")
    assert "discarded" in json.dumps(discarded["blocks"]) and not buttons(discarded)
    assert harness.run(card)["status"] == "discarded"


def test_a_viewer_is_refused(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR)
    said = harness.answer(harness.click(card, "Approve", VIEWER))
    assert "You are a viewer" in said and "operator role" in said
    assert harness.run(card)["status"] == "awaiting_approval"
    said = harness.answer(harness.click(card, "Discard", VIEWER))
    assert "You are a viewer" in said
    assert harness.run(card)["status"] == "awaiting_approval"


def test_a_protected_plan_needs_an_admin_and_a_confirmation(harness: Harness) -> None:
    card = harness.sync("production", ADMIN)  # prod* is protected by default
    approve, discard = buttons(card)
    assert approve["action_id"] == Action.APPROVE_CONFIRMED and "confirm" in approve
    assert discard["action_id"] == Action.DISCARD_CONFIRMED and "confirm" in discard
    said = harness.answer(harness.click(card, "Approve", OPERATOR))
    assert "You are an operator" in said and "admin role" in said
    assert harness.run(card)["status"] == "awaiting_approval"
    # A button without Slack's dialog (an older card) asks first and sends nothing.
    old = {**card, "blocks": json.loads(json.dumps(card["blocks"]).replace("_confirmed", ""))}
    for b in buttons(old):
        b.pop("confirm", None)
    prompt = json.loads(harness.answer(harness.click(old, "Approve", ADMIN)))
    (yes,) = buttons(prompt)
    assert yes["action_id"] == Action.APPROVE_CONFIRMED and "confirm" in yes
    assert harness.run(card)["status"] == "awaiting_approval"
    harness.click(card, "Approve", ADMIN)
    harness.card_with(f"Approved by <@{ADMIN}>")
    assert harness.run(card)["decided_by"] == ADMIN
    assert harness.slack.invalid == []


@pytest.mark.parametrize("four_eyes", [["data-*"]])
def test_four_eyes_refuses_the_requester(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR)
    said = harness.answer(harness.click(card, "Approve", OPERATOR))
    assert "needs four eyes" in said and f"<@{ADMIN}>" in said
    assert harness.run(card)["status"] == "awaiting_approval"
    harness.click(card, "Approve", ADMIN)
    harness.card_with(f"Approved by <@{ADMIN}>")
    assert harness.run(card)["decided_by"] == ADMIN


def test_an_expired_plan_says_so(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR, expires_in="5s")  # seen waiting first
    expired = harness.card_with("The plan expired")
    assert not buttons(expired)
    said = harness.answer(harness.click(card, "Approve", OPERATOR))
    assert "no longer waiting for approval (it expired)" in said
    assert harness.run(card)["status"] == "expired"


def test_the_audit_log_has_each_decision(harness: Harness) -> None:
    card = harness.sync("data-platform", OPERATOR)
    harness.answer(harness.click(card, "Approve", VIEWER))
    harness.click(card, "Approve", OPERATOR)
    harness.card_with(f"Approved by <@{OPERATOR}>")
    rows = wait_until(
        lambda: [
            (e["action"], e["outcome"])
            for e in harness.fsync.deps.store.audit_entries(workspace="data-platform")
            if e["action"] == "approve"
        ]
    )
    assert ("approve", "denied") in rows and ("approve", "ok") in rows


def test_approve_on_an_alert_card_follows_the_run_in_its_thread(harness: Harness) -> None:
    forced = {"outcome": "changes", "add": 1, "change": 0, "destroy": 0}
    harness.sim.control("POST", "/_sim/workspaces/data-platform/next_outcome", json=forced)
    started = harness.sim.api.post(f"{V1}/workspaces/data-platform/sync").json()
    run = wait_until(
        lambda: (
            (r := harness.sim.api.get(f"{V1}/runs/{started['id']}").json())["status"]
            == "awaiting_approval"
            and r
        )
    )
    waiting = Workspace.model_validate(
        {"name": "data-platform", "status": "awaiting_approval", "current_run_id": run["id"]}
    )
    _, episode = alert_approvals.opening(waiting, run, datetime.now(UTC))
    payload = alert_cards.episode_card(episode, harness.fsync.deps.policy)
    client = WebClient(base_url=harness.slack.api_url, token="xoxb-alert-test")
    posted = client.chat_postMessage(channel=CHANNEL, **payload)
    card = {"ts": posted["ts"], "text": payload["text"], "blocks": payload["blocks"]}
    harness.click(card, "Approve", OPERATOR)
    (alert,) = harness.slack.wait_for("chat.update", lambda c: c.args["ts"] == posted["ts"])
    said = json.dumps(alert.args["blocks"])
    assert f"Approved by <@{OPERATOR}>" in said and "has a plan waiting" in said
    assert not buttons(alert.args)
    (in_thread,) = harness.slack.wait_for(
        "chat.postMessage", lambda c: c.args.get("thread_ts") == posted["ts"]
    )
    assert "Sync of *data-platform*" in json.dumps(in_thread.args["blocks"])
    harness.card_with(":large_green_circle: succeeded")
    assert harness.slack.invalid == []
