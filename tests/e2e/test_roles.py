"""The role matrix for every write, through commands and through buttons."""

from __future__ import annotations

import json

import pytest

from bot.slack.ids import Action, ActionValue
from tests.support.botproc import ADMIN2, OPERATOR2, VIEWER, BotProcess
from tests.support.simproc import SimProcess

ALLOWED, DENIED, CONFIRM = "allowed", "denied", "confirm"


def outcome(reply: dict) -> str:
    text = json.dumps(reply.get("blocks", [])) + reply.get("text", "")
    if "role" in text and "You are a" in text:
        return DENIED
    if "Are you sure?" in text or "protected workspace" in text or "Turn on auto_apply" in text:
        return CONFIRM
    return ALLOWED


def open_conflict(sim: SimProcess, workspace: str) -> str:
    sim.control("POST", f"/_sim/workspaces/{workspace}/state", {"status": "conflict"})
    found = (
        sim.client()
        .get("/v1/terraform/sync/conflicts", params={"workspace": workspace, "status": "open"})
        .json()
    )
    return found["conflicts"][0]["id"]


MATRIX = [
    # (what, viewer, operator, admin)
    ("sync staging", DENIED, ALLOWED, ALLOWED),
    ("sync production", DENIED, DENIED, CONFIRM),
    ("config staging interval=20m", DENIED, DENIED, ALLOWED),
    ("config production auto_apply=on", DENIED, DENIED, CONFIRM),
    ("config conflict_resolution=accept_remote", DENIED, DENIED, CONFIRM),
    ("resolve dev", DENIED, ALLOWED, ALLOWED),
    ("resolve production", DENIED, DENIED, CONFIRM),
]
USERS = {"viewer": VIEWER, "operator": OPERATOR2, "admin": ADMIN2}


@pytest.mark.parametrize(
    ("what", "role", "expected"),
    [
        (what, role, expected)
        for what, *row in MATRIX
        for role, expected in zip(("viewer", "operator", "admin"), row, strict=True)
    ],
)
def test_role_matrix(
    bot: BotProcess, e2e_sim: SimProcess, what: str, role: str, expected: str
) -> None:
    user = USERS[role]
    writes_before = len([r for r in e2e_sim.requests() if r["method"] in ("POST", "PUT")])
    if what.startswith("resolve"):
        conflict_id = open_conflict(e2e_sim, what.split()[1])
        writes_before = len([r for r in e2e_sim.requests() if r["method"] in ("POST", "PUT")])
        value = ActionValue(
            conflict_id=conflict_id, resolution="ignore_once", workspace=what.split()[1]
        ).encode()
        _, name = bot.click(Action.RESOLVE, value, user=user)
    else:
        _, name = bot.command(what, user=user)
    if expected == ALLOWED and what.startswith("sync"):
        (post,) = bot.slack.wait_for("chat.postMessage")
        assert "requested by" in post.args["text"] + json.dumps(post.args.get("blocks"))
    else:
        (reply,) = bot.responses(name)
        assert outcome(reply) == expected, reply.get("text")
    writes = len([r for r in e2e_sim.requests() if r["method"] in ("POST", "PUT")])
    assert (writes > writes_before) == (expected == ALLOWED)
