"""The end-of-suite secrets scan really finds a leak (so its 'no hits' means something)."""

from __future__ import annotations

from pathlib import Path

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
