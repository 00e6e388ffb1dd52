"""The end-of-suite secrets scan really finds a leak (so its 'no hits' means something)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeSlack
from tests.support import secrets_scan


def test_scan_finds_a_secret_in_a_log_and_in_a_slack_message(tmp_path: Path) -> None:
    saved = (set(secrets_scan.SECRETS), list(secrets_scan.LOGS), list(secrets_scan.SLACKS))
    slack = FakeSlack().start()
    try:
        log = tmp_path / "bot.log"
        log.write_text("INFO calling with key=leaky-secret-123\n")
        secrets_scan.remember(secrets=["leaky-secret-123", "other-secret-456"], log=log)
        from slack_sdk import WebClient

        WebClient(base_url=slack.api_url).chat_postMessage(channel="C1", text="other-secret-456")
        slack.reset()
        found = secrets_scan.hits()
        assert any("bot.log" in hit for hit in found)
        assert any("fake Slack" in hit for hit in found)
    finally:
        slack.stop()
        secrets_scan.SECRETS.clear()
        secrets_scan.SECRETS.update(saved[0])
        secrets_scan.LOGS[:] = saved[1]
        secrets_scan.SLACKS[:] = saved[2]


LEAKED_LINES = [
    ("a response_url", "INFO answering at https://hooks.slack.com/commands/T1/2/abc"),
    ("a response_url", "DEBUG respond to http://127.0.0.1:5555/response/cmd-1a2b3c4d"),
    ("a response_url", "INFO body: response_url=http%3A%2F%2F127.0.0.1%3A41%2Fresponse%2Fcmd-1"),
    ("a response_url", "INFO body: response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1"),
    ("a verification token", "DEBUG body: token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001"),
    ("a verification token", "DEBUG payload {'token': 'sometoken123', 'type': 'block_actions'}"),
    ("a verification token", "WARNING odd request with gIkuvaNzQIHg97ATvDxqgjtO in it"),
    ("a request body", "DEBUG Received body: payload=%7B%22type%22%3A%22block_actions%22"),
    ("a request body", 'DEBUG {"type": "view_submission", "trigger_id": "1.2.3"}'),
]


@pytest.mark.parametrize(("what", "line"), LEAKED_LINES)
def test_scan_finds_a_request_leaked_into_a_log(tmp_path: Path, what: str, line: str) -> None:
    saved = list(secrets_scan.LOGS)
    try:
        log = tmp_path / "bot.log"
        log.write_text(f"INFO fsync 1.0 listening\n{line}\nINFO stopped\n")
        secrets_scan.LOGS[:] = [log]
        assert f"bot.log: {what}" in secrets_scan.hits()
    finally:
        secrets_scan.LOGS[:] = saved


def test_an_ordinary_bot_log_is_no_leak() -> None:
    text = (
        "INFO bot.http: fsync 0.1 serving HTTP on 127.0.0.1:3000\n"
        "WARNING bot.alerts.sender: alert card:ep1:C1 to C1 failed (HTTP 500); retry in 1 s\n"
        "ERROR bot.alerts.sender: Slack refuses the bot token (invalid_auth); alerts wait\n"
        "INFO bot.slack.commands: cannot post the sync card in C1 (not_in_channel)\n"
        "INFO bot.slack.posting: post to C1 failed (HTTP 500) but it is there: following it\n"
    )
    assert secrets_scan.leaks(text) == []
