"""Silencing and re-routing alerts, and changing config, are visible: one short line in the
channel where the command was typed, besides the answer only the typist sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.ids import Block, View
from bot.slack.modals import Meta
from tests.firsthour.roles_team import ADMIN, CHANNEL, OPERATOR, Team, buttons, start_team
from tests.support.simproc import SimProcess


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


def test_a_mute_and_its_end_are_said_in_the_channel(team: Team) -> None:
    team.ask("mute dev 2h planned maintenance", user=OPERATOR)
    (line,) = team.said_in(CHANNEL)
    assert f"<@{OPERATOR}>" in line and "muted" in line and "`dev`" in line
    assert "2h" in line and "planned maintenance" in line
    team.ask("unmute dev", user=OPERATOR)
    lines = team.said_in(CHANNEL)
    assert len(lines) == 2 and f"<@{OPERATOR}>" in lines[1] and "`dev`" in lines[1]


def test_the_reason_is_escaped_in_the_channel_line(team: Team) -> None:
    team.ask("mute dev 1h <!channel> ping <@U999> <https://evil|click>", user=OPERATOR)
    (line,) = team.said_in(CHANNEL)
    assert "<!channel>" not in line and "<@U999>" not in line and "<https://evil" not in line
    # Slack's escaped forms are read back to what the person typed (bot/core/escaped.py).
    assert "@channel ping @U999 click" in line


def test_subscribe_and_unsubscribe_each_say_one_line_in_the_channel(team: Team) -> None:
    team.ask("subscribe dev* failed", user=OPERATOR)
    assert len(team.said_in(CHANNEL)) == 1  # the test line is the announcement
    team.ask("unsubscribe dev*", user=OPERATOR)
    lines = team.said_in(CHANNEL)
    assert len(lines) == 2 and f"<@{OPERATOR}>" in lines[1] and "`dev*`" in lines[1]


def test_a_config_change_is_said_in_the_channel(team: Team) -> None:
    said = team.ask("config staging interval=15m", user=ADMIN)
    assert "15m" in said
    (line,) = team.said_in(CHANNEL)
    assert f"<@{ADMIN}>" in line and "staging" in line and "15m" in line


def test_a_confirmed_global_change_is_said_in_the_channel(team: Team) -> None:
    (confirm,) = buttons(team.answer("config enabled=off", user=ADMIN))
    assert team.said_in(CHANNEL) == []  # asked, not done: nothing to say yet
    team.click(confirm, user=ADMIN)
    (line,) = team.said_in(CHANNEL)
    assert f"<@{ADMIN}>" in line and "global config" in line and "sync on → off" in line


def test_a_change_made_in_the_edit_config_form_is_said_in_the_channel(team: Team) -> None:
    def choose(value: str) -> dict[str, object]:
        return {"type": "static_select", "selected_option": {"value": value}}

    values = {
        Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "15m"}},
        Block.ENABLED: {Block.ENABLED: choose("on")},
        Block.AUTO_APPLY: {Block.AUTO_APPLY: choose("on")},  # dev has it on: nothing to confirm
    }
    team.fsync.deps.service.fleet()  # what the form was opened with
    meta = Meta(workspace="dev", channel=CHANNEL).encode()
    assert team.submit(View.EDIT_CONFIG, values, meta, user=ADMIN) == {}
    team.slack.wait_for("chat.postEphemeral")  # the answer to the admin
    (line,) = team.said_in(CHANNEL)
    assert f"<@{ADMIN}>" in line and "dev" in line and "`15m`" in line


def test_a_channel_fsync_cannot_post_in_is_told_not_a_crash(team: Team) -> None:
    team.slack.fail("chat.postMessage", error="not_in_channel", channel="CPRIVATE1")
    said = team.ask("mute dev 1h", user=OPERATOR, channel="CPRIVATE1")
    assert "Muted" in said  # the mute holds
    assert "could not" in said and "not_in_channel" in said and "/invite" in said
    assert "Something broke" not in said
