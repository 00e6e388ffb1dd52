"""A team trying fsync in its first hour: an admin, an operator and a viewer typing `/fsync ...`
in a channel, as signed requests through `App.dispatch`, with the session simulator behind fsync
and a fake Slack that records what everyone sees.

`Team.ask` returns what the asker saw (the ack, or the ephemeral answer on the response_url);
`Team.said_in` returns what fsync posted in a channel for everyone. Answers are waited for on the
fake Slack's record, never slept for.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync, team_settings
from tests.support import slackreq
from tests.support.botproc import ADMIN, OPERATOR, VIEWER
from tests.support.simproc import SimProcess

CHANNEL = "CTEAM0001"
__all__ = ["ADMIN", "CHANNEL", "OPERATOR", "VIEWER", "Team", "buttons", "shown", "start_team"]


def shown(payload: dict[str, Any] | None) -> str:
    """Everything a person reads in a message: its text and its blocks."""
    payload = payload or {}
    return str(payload.get("text", "")) + json.dumps(payload.get("blocks", []), ensure_ascii=False)


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in payload.get("blocks", [])
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    ]


@dataclass
class Team:
    fsync: Fsync
    slack: FakeSlack
    sim: SimProcess

    def answer(self, text: str, *, user: str, channel: str = CHANNEL) -> dict[str, Any]:
        """`/fsync text` typed by `user`: the message only they see."""
        name = f"ask-{uuid.uuid4().hex[:10]}"
        body = slackreq.command_body(
            text, user=user, channel=channel, response_url=self.slack.response_url(name)
        )
        ack = self.fsync.dispatch(body)
        assert ack.status == 200, ack.body
        if ack.body and ack.body.lstrip().startswith("{"):
            acked = json.loads(ack.body)
            if acked.get("text") or acked.get("blocks"):
                return acked
        (first, *_) = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"].endswith("/" + name)
        )
        return first.args

    def ask(self, text: str, *, user: str, channel: str = CHANNEL) -> str:
        return shown(self.answer(text, user=user, channel=channel))

    def click(
        self, button: dict[str, Any], *, user: str, channel: str = CHANNEL
    ) -> list[dict[str, Any]]:
        """Press `button` in an ephemeral answer; what the presser is told back."""
        name = f"click-{uuid.uuid4().hex[:10]}"
        payload = slackreq.action_payload(
            button["action_id"],
            button["value"],
            user=user,
            channel=channel,
            response_url=self.slack.response_url(name),
            ephemeral=True,
        )
        assert self.fsync.dispatch(slackreq.interactive_body(payload)).status == 200
        calls = self.slack.wait_for("response_url", lambda c: c.args["_path"].endswith("/" + name))
        return [call.args for call in calls]

    def submit(
        self, callback_id: str, values: dict[str, Any], metadata: str, *, user: str
    ) -> dict[str, Any]:
        """Submit a modal; what its ack answered (empty when it just closed)."""
        payload = slackreq.view_submission(callback_id, values, metadata, user=user)
        answer = self.fsync.dispatch(slackreq.interactive_body(payload))
        assert answer.status == 200
        return json.loads(answer.body) if answer.body else {}

    def said_in(self, channel: str) -> list[str]:
        """What fsync posted in `channel` for everyone to read (not ephemeral answers)."""
        return [
            shown(c.args)
            for c in self.slack.of("chat.postMessage")
            if c.args.get("channel") == channel
        ]

    def audit(self) -> list[dict[str, Any]]:
        return self.fsync.deps.store.audit_entries(limit=200)

    def sim_writes(self) -> list[dict[str, Any]]:
        return [r for r in self.sim.requests() if r["method"] in ("POST", "PUT")]


def start_team(tmp_path: Path, sim: SimProcess, **overrides: Any) -> Iterator[Team]:
    """fsync for a team: FSYNC_PROTECTED as shipped (`prod*`) unless `overrides` says else."""
    slack = FakeSlack().start()
    fsync = start_fsync(team_settings(tmp_path, sim, slack, **overrides), slack)
    try:
        yield Team(fsync, slack, sim)
    finally:
        fsync.stop()
        slack.stop()
