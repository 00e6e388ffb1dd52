"""Words from the user's side: signed requests through App.dispatch into the real Bolt app, the
session simulator behind it and a fake Slack that records what people are shown.

An admin turns auto-apply on (confirming it), changes an interval, then changes it to what it
already is; an operator tries a config change and a viewer tries to mute `prod*`. `/fsync audit`
then tells that story in sentences, not in code.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.slack.ids import Action
from tests.fakes import FakeSlack
from tests.firsthour.test_words import problems
from tests.firsthour.words_kinds import texts
from tests.slack.conftest import Fsync, start_fsync, team_settings
from tests.support import slackreq
from tests.support.botproc import ADMIN, OPERATOR
from tests.support.simproc import SimProcess

VIEWER = "UVIEW0001"
CHANNEL = "CCHAN0001"


@dataclass
class Team:
    """fsync in this process, as the people in one channel use it."""

    fsync: Fsync
    slack: FakeSlack

    def ask(self, text: str, user: str) -> dict[str, Any]:
        """`/fsync text` as `user`: what they see (the ack, or the reply that follows it)."""
        name = f"words-{uuid.uuid4().hex[:8]}"
        url = self.slack.response_url(name)
        answer = self.fsync.dispatch(
            slackreq.command_body(text, user=user, channel=CHANNEL, response_url=url)
        )
        assert answer.status == 200
        if answer.body:
            return json.loads(answer.body)
        return self.reply(name)

    def click(self, shown: dict[str, Any], action_id: str, user: str) -> dict[str, Any]:
        (button,) = [
            element
            for block in shown["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == action_id
        ]
        name = f"click-{uuid.uuid4().hex[:8]}"
        payload = slackreq.action_payload(
            action_id,
            button["value"],
            user=user,
            channel=CHANNEL,
            response_url=self.slack.response_url(name),
        )
        assert self.fsync.dispatch(slackreq.interactive_body(payload)).status == 200
        return self.reply(name)

    def reply(self, name: str) -> dict[str, Any]:
        (call,) = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"].endswith("/" + name)
        )
        return call.args


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    slack = FakeSlack().start()
    running = start_fsync(team_settings(tmp_path, sim, slack), slack)
    yield Team(running, slack)
    running.stop()
    slack.stop()


def lines(shown: dict[str, Any]) -> list[str]:
    """The audit log's lines without their time (" · just now")."""
    texts = [block["text"]["text"] for block in shown["blocks"] if block["type"] == "section"]
    return [line.rsplit(" · ", 1)[0] for text in texts for line in text.split("\n")]


def test_the_audit_log_tells_what_happened_in_sentences(team: Team) -> None:
    prompt = team.ask("config billing-api auto_apply=on", ADMIN)
    team.click(prompt, Action.CONFIG_CONFIRMED, ADMIN)
    team.ask("config billing-api interval=15m", ADMIN)
    team.ask("config billing-api interval=15m", ADMIN)
    refused = team.ask("config billing-api interval=20m", OPERATOR)
    assert refused["text"].startswith(":no_entry: You are an operator: to change config")
    refused = team.ask("mute prod* 2h planned maintenance", VIEWER)
    assert refused["text"].startswith(":no_entry: You are a viewer:")

    audit = team.ask("audit", ADMIN)

    assert lines(audit) == [
        # prod* reaches protected workspaces: a mute of it needs an admin, not an operator.
        ":no_entry: <@UVIEW0001> tried to mute `prod*` for 2h: planned maintenance — refused: "
        "needs the admin role",
        ":no_entry: <@UOPER0001> tried to change billing-api: interval → 20m — refused: "
        "needs the admin role",
        ":heavy_minus_sign: <@UADMIN001> asked to change billing-api: no change, "
        "interval was already 15m",
        ":white_check_mark: <@UADMIN001> changed billing-api: interval 10m → 15m",
        ":white_check_mark: <@UADMIN001> changed billing-api: auto-apply off → on",
    ]
    shown = json.dumps(audit)
    for code in ("changes=", "confirmed", "{'", "True", "False", "auto_apply", "sync_interval"):
        assert code not in shown


def test_what_people_are_told_reads_right(team: Team) -> None:
    said = {
        text: team.ask(text, user)
        for text, user in (
            ("status", ADMIN),  # first: fsync then knows the fleet a mute covers
            ("config staging interval=30s", ADMIN),
            ("config staging interval=8d", ADMIN),
            ("mute dev 10s", OPERATOR),
            ("mute sandbox 1h", OPERATOR),
            ("mute dev* 1h", OPERATOR),
            ("unmute nothing*", OPERATOR),
            ("unsubscribe nothing*", OPERATOR),
            ("subscriptions", ADMIN),
            ("conflicts", ADMIN),
            ("sync production", VIEWER),
            ("config staging interval=15m", OPERATOR),
        )
    }
    assert (
        "`30s` is shorter than the minimum of 1 minute"
        in said["config staging interval=30s"]["text"]
    )
    assert "`8d` is longer than the maximum of 7 days" in said["config staging interval=8d"]["text"]
    assert "`10s` is shorter than the minimum of 1 minute" in said["mute dev 10s"]["text"]
    assert "It covers 1 workspace now: sandbox." in json.dumps(said["mute sandbox 1h"])
    assert said["conflicts"]["blocks"][0]["text"]["text"] == "1 open conflict"
    for text, shown in said.items():
        found = [p for line in texts(shown) for p in problems(line)]
        assert not found, f"/fsync {text}: {found}"


def test_a_config_change_names_settings_as_people_say_them(team: Team) -> None:
    answer = team.ask("config billing-api interval=15m", ADMIN)
    line = team.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == CHANNEL)
    seen = json.dumps([answer, line[-1].args], ensure_ascii=False)
    assert "interval" in seen and " → " in seen
    for wire_name in ("sync_interval", "auto_apply", "enabled"):
        assert wire_name not in seen
