"""Faults end to end (issue 7), Slack's side: real processes on loopback, the numbers of the issue.

Each test starts its own simulator, fake Slack and `fsync-bot run` on a fresh database: an SQLite
file, then a PostgreSQL database (the `database` fixture, tests/conftest.py). No test sleeps to
let something happen: each waits on the fact that shows it did (the outbox drained, Slack refused
an alert n times), so a slow machine cannot make a test pass without having seen anything, and a
fast one does not wait for nothing. The Sync API's side is in test_api_faults.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.alerts.historyslack import HistorySlack
from tests.support.botproc import OPERATOR, BotProcess
from tests.support.faultstage import alerting_bot, cards, failing
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def most_attempts(bot: BotProcess) -> int:
    """The most tries any alert still waiting has had (each claim counts one)."""
    ((found,),) = bot.query(
        "SELECT max(attempts) FROM alert_outbox WHERE state IN ('pending', 'sending')"
    )
    return int(found or 0)


def pending(bot: BotProcess) -> int:
    ((found,),) = bot.query("SELECT count(*) FROM alert_outbox WHERE state = 'pending'")
    return int(found)


def test_kill_9_with_100_alerts_pending_delivers_each_exactly_once(
    tmp_path: Path, database: str
) -> None:
    channels = [f"CK{n:03d}" for n in range(20)]
    slack = HistorySlack(post_interval=1.0).start()
    try:
        with SimProcess(key="kill-key") as sim:
            env = {"FSYNC_POLL_INTERVAL": "1"}
            first = BotProcess(slack, sim.url, sim.key, tmp_path, database=database, **env).start()
            for n, channel in enumerate(channels):  # 5 workspaces a channel: cards, not digests
                _, name = first.command(f"subscribe k{n:02d}-*", user=OPERATOR, channel=channel)
                first.responses(name)
            failing(sim, [f"k{n:02d}-{i}" for n in range(20) for i in range(5)])
            wait_until(lambda: pending(first) >= 60, 20, "the alerts to be queued")
            wait_until(lambda: sum(cards(slack, channels).values()) >= 10, 20, "deliveries")
            at_kill = pending(first)
            first.kill()
            second = BotProcess(slack, sim.url, sim.key, tmp_path, database=database, **env).start()
            try:
                wait_until(lambda: len(cards(slack, channels)) == 100, 60, "all 100 alerts")
                # A double would be a row sent again before it is marked sent: none is left.
                wait_until(lambda: second.unsent() == 0, 30, "the outbox to drain")
                counts = cards(slack, channels)
                assert len(counts) == 100 and set(counts.values()) == {1}
                assert at_kill >= 50
            finally:
                second.stop()
    finally:
        slack.stop()


def test_slack_down_then_back_backs_off_and_loses_and_doubles_nothing(
    tmp_path: Path, database: str
) -> None:
    with alerting_bot(tmp_path, database, "outage-key", "COUTAGE", post_interval=1.0) as (
        slack,
        sim,
        bot,
    ):
        before, started = len(slack.calls), time.monotonic()
        # Slack answers 500 and 429 (Retry-After: 1) alternately (the outage) until it
        # has refused the alert at the head of the channel's queue four times: the sender must
        # keep trying, with growing pauses (0.5 s doubling, with jitter), never in a busy loop.
        for _ in range(500):
            slack.fail("*", status=500, error="internal_error")
            slack.fail("*", status=429, retry_after=1)
        failing(sim, ["out-1", "out-2", "out-3"])
        wait_until(lambda: most_attempts(bot) >= 4, 30, "4 refused tries of one alert")
        with slack.lock:
            slack.failures.clear()
        outage = time.monotonic() - started
        tried = len(slack.calls) - before
        # Three pauses between four tries: at least 0.25 + 0.5 + 1 s, however lucky the jitter.
        assert outage >= 1.5, f"4 tries in {outage:.2f} s: no backoff"
        assert tried < 100, f"{tried} calls in {outage:.1f} s: a busy loop"
        wait_until(
            lambda: all(
                any(f"out-{n}" in str(m.get("blocks")) for m in slack.posts("COUTAGE"))
                for n in (1, 2, 3)
            ),
            60,
            "delivery after the outage",
        )
        wait_until(lambda: bot.unsent() == 0, 30, "the outbox to drain")
        counts = cards(slack, ["COUTAGE"])
        assert set(counts.values()) == {1}
        assert "Traceback" not in bot.log()
