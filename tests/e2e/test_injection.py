"""Hostile workspace names never reach the Sync API; hostile text never pings anyone."""

from __future__ import annotations

import json

import pytest

from tests.support.botproc import ADMIN, BotProcess
from tests.support.simproc import SimProcess

NAMES = [
    "../config",
    "a/b",
    "%2e%2e",
    "prod%2Fx",
    "stag\u0456ng",
    "x" * 1000,
    "ws;rm",
    "..",
    "-dash",
    "a\\b",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("verb", ["status", "sync", "conflicts", "audit"])
def test_bad_names_are_refused_before_any_request(
    bot: BotProcess, e2e_sim: SimProcess, verb: str, name: str
) -> None:
    answer, response = bot.command(f"{verb} {name}", user=ADMIN)
    assert answer.status_code == 200
    if answer.text:
        reply = answer.json()
    else:
        (reply,) = bot.responses(response)
    # The audit is a local read, but it names a workspace like the others: a name that no
    # workspace can have is said so (it was "No actions recorded" before issue 12).
    assert "not a valid workspace name" in reply["text"] or "too long" in reply["text"]
    assert sent_for_a_workspace(e2e_sim) == []


def sent_for_a_workspace(sim: SimProcess) -> list[dict]:
    """Writes, and reads of one workspace: what a bad name would have turned into. (The poller's
    fleet listing and earlier sync cards following their runs may run meanwhile.)"""
    return [
        r
        for r in sim.requests()
        if r["method"] != "GET" or r["path"].startswith("/v1/terraform/sync/workspaces/")
    ]


def test_spaces_in_a_name_are_not_an_injection(bot: BotProcess, e2e_sim: SimProcess) -> None:
    answer, _ = bot.command("sync prod uction", user=ADMIN)
    assert "exactly one workspace" in answer.json()["text"]
    assert sent_for_a_workspace(e2e_sim) == []


def test_mrkdwn_typed_by_a_user_is_shown_not_obeyed(bot: BotProcess) -> None:
    answer, _ = bot.command("sync <!channel>", user=ADMIN)
    text = answer.text + json.dumps(bot.slack.everything_sent())
    reply = answer.json()["text"] if answer.text else bot.responses(_)[0]["text"]
    # With should_escape, Slack sends <!channel> as typed: it is named in words, in code.
    assert "<!channel>" not in reply and "not a mention like `@channel`" in reply
    assert "<!channel>" not in text.replace("sync <!channel>", "")
