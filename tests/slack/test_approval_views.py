"""The plan part of a run card, as data: the summary, the resources bounded and escaped, the
buttons, the decision, and every shape within Slack's Block Kit rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.firestartr.models import Run
from bot.slack import run_views
from bot.slack.approval_views import MAX_RESOURCES_SHOWN, summary
from bot.slack.ids import Action
from tests.alerts.blockkit import assert_valid

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def run(status: str = "awaiting_approval", **fields: Any) -> Run:
    plan = fields.pop("plan", {"add": 2, "change": 1, "destroy": 0, "resources": []})
    return Run.model_validate(
        {
            "id": "run_1",
            "workspace": "data-platform",
            "status": status,
            "requested_by": "UOPER0001",
            "plan": plan,
            "expires_at": (NOW + timedelta(minutes=30)).isoformat(),
            "message": "Plan: 2 to add, 1 to change, 0 to destroy.",
            **fields,
        }
    )


def text(card: dict[str, Any]) -> str:
    return json.dumps(card["blocks"], ensure_ascii=False)


def ids(card: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("counts", "said"),
    [((2, 1, 0), "+2 ~1 -0"), ((0, 0, 3), "+0 ~0 *-3*")],
)
def test_the_summary_puts_destroys_in_bold(counts: tuple[int, int, int], said: str) -> None:
    add, change, destroy = counts
    plan = {"add": add, "change": change, "destroy": destroy, "resources": []}
    assert summary(run(plan=plan).plan) == said  # type: ignore[arg-type]


def test_a_waiting_plan_has_its_buttons_and_expiry() -> None:
    card = run_views.sync_card("data-platform", "UOPER0001", run(), NOW)
    assert ids(card) == [Action.APPROVE, Action.DISCARD]
    assert "expires in 30m" in text(card) and "waiting for approval" in text(card)
    assert "Plan: 2 to add" not in text(card)  # the run's message is said by the plan part
    assert_valid(card)


def test_a_protected_plan_asks_first() -> None:
    card = run_views.sync_card("prod", "U1", run(workspace="prod"), NOW, protected=True)
    assert ids(card) == [Action.APPROVE_CONFIRMED, Action.DISCARD_CONFIRMED]
    assert "takes an admin" in text(card)
    assert_valid(card)


def test_a_huge_hostile_plan_stays_within_slacks_limits() -> None:
    nasty = "<!channel> `x` " + "a" * 400
    resources = [{"address": f"{nasty}{n}", "action": "delete"} for n in range(500)]
    plan = {"add": 0, "change": 0, "destroy": 500, "resources": resources}
    card = run_views.sync_card("data-platform", "U1", run(plan=plan), NOW)
    shown = text(card)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert f"…and {500 - MAX_RESOURCES_SHOWN} more" in shown
    assert_valid(card)


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("running", "Approved by <@UADMIN001>"),
        ("succeeded", "Approved by <@UADMIN001>"),
        ("discarded", "Discarded by <@UADMIN001>"),
        ("expired", "The plan expired"),
    ],
)
def test_after_the_decision_the_card_says_who_and_when(status: str, said: str) -> None:
    decided = run(status, decided_by="UADMIN001", decided_at=NOW.isoformat())
    if status == "expired":
        decided = run(status)
    card = run_views.sync_card("data-platform", "U1", decided, NOW)
    assert said in text(card) and not ids(card)
    assert "Plan: 2 to add" not in text(card)
    if status != "expired":
        assert "<!date^" in text(card)
    assert_valid(card)


def test_a_failed_apply_shows_its_error() -> None:
    failed = run("failed", decided_by="U2", message="Error: apply failed <!here>")
    card = run_views.sync_card("data-platform", "U1", failed, NOW)
    assert "Error: apply failed &lt;!here&gt;" in text(card) and "Approved by" in text(card)
    assert_valid(card)
