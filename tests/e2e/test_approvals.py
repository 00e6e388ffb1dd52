"""Plans that wait for a yes, end to end: `fsync-bot run` over HTTP, the simulator process and
a fake Slack. A sync of an `auto_apply: false` workspace waits with its plan; Approve (as an
operator) applies it and the card follows to `succeeded`; a viewer's click is refused."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.ids import Action
from tests.support.botproc import OPERATOR, VIEWER, BotProcess
from tests.support.simproc import SimProcess

CHANNEL = "CCHAN0001"


def texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False) + payload.get("text", "")


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in payload.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def card_update(bot: BotProcess, text: str) -> dict[str, Any]:
    found = bot.slack.wait_for(
        "chat.update",
        lambda c: c.args.get("channel") == CHANNEL and text in texts(c.args),
        timeout=20,
    )
    update = found[-1].args
    return {"ts": update["ts"], "text": update["text"], "blocks": update["blocks"]}


def test_a_waiting_plan_is_approved_and_followed_to_succeeded(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    forced = {"outcome": "changes", "add": 2, "change": 1, "destroy": 1}
    path = "/_sim/workspaces/data-platform/next_outcome"
    e2e_sim.control("POST", path, json=forced).raise_for_status()
    bot.command("sync data-platform", user=OPERATOR, channel=CHANNEL)
    card = card_update(bot, Action.APPROVE)
    assert "+2 ~1 *-1*" in texts(card) and "aws_instance.bastion" in texts(card)
    approve = next(b for b in buttons(card) if b["action_id"] == Action.APPROVE)

    _, name = bot.click(approve["action_id"], approve["value"], user=VIEWER, message=card)
    (refused,) = bot.responses(name)
    assert "You are a viewer" in refused["text"]

    bot.click(approve["action_id"], approve["value"], user=OPERATOR, message=card)
    done = card_update(bot, ":large_green_circle: succeeded")
    assert f"Approved by <@{OPERATOR}>" in texts(done) and not buttons(done)
    run_id = json.loads(approve["value"])["ru"]
    run = e2e_sim.api.get(f"/v1/terraform/sync/runs/{run_id}").json()
    assert (run["status"], run["decided_by"]) == ("succeeded", OPERATOR)
    posts = [r for r in e2e_sim.requests() if r["path"].endswith("/approve")]
    assert [p["status"] for p in posts] == [202]  # the viewer's click sent nothing
    assert bot.slack.invalid == []
