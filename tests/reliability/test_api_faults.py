"""Faults end to end (issue 7), the Sync API's side: garbled answers and a 12-poll outage, on
an SQLite file and on PostgreSQL, each waiting on facts (the bot's count of failed polls, the
fake Slack's log). Slack's side is in test_faults.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.botproc import OPERATOR
from tests.support.faultstage import alerting_bot, failing
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_garbled_answers_and_unknown_states_crash_nothing(tmp_path: Path, database: str) -> None:
    with alerting_bot(tmp_path, database, "garble-key", "CGARBLE", poll="0.3") as (slack, sim, bot):
        sim.control("POST", "/_sim/faults", {"malformed_rate": 1.0}).raise_for_status()
        _, name = bot.command("status", user=OPERATOR)
        (reply,) = bot.responses(name, timeout=15)
        assert "last known state" in str(reply) and "could not read" in str(reply)
        _, name = bot.command("sync staging", user=OPERATOR)
        (reply,) = bot.responses(name, timeout=15)
        assert "could not read" in reply["text"]
        wait_until(lambda: bot.failed_polls() >= 3, 15, "three garbled polls")
        sim.control("POST", "/_sim/faults", {}).raise_for_status()
        posted = len(slack.posts("CGARBLE"))
        failing(sim, ["after-garble"])
        wait_until(
            lambda: len(slack.posts("CGARBLE")) > posted,
            15,
            "the poller to go on after garbled answers",
        )
        assert "Traceback" not in bot.log()


def test_api_down_for_12_polls_is_one_alert_one_recovery_and_no_false_alarms(
    tmp_path: Path, database: str
) -> None:
    with alerting_bot(tmp_path, database, "down-key", "CDOWN", poll="0.3") as (slack, sim, bot):
        wait_until(lambda: bot.unsent() == 0, 15, "the first poll's alerts to be out")
        before = len(slack.posts("CDOWN"))
        sim.control("POST", "/_sim/faults", {"error_rate": 1, "error_status": 503})
        wait_until(lambda: bot.failed_polls() >= 12, 30, "12 failed polls")
        _, name = bot.command("status", user=OPERATOR)
        (reply,) = bot.responses(name, timeout=15)
        assert "last known state" in str(reply) and "ago" in str(reply)
        sim.control("POST", "/_sim/faults", {})
        api_cards = wait_until(
            lambda: [m for m in slack.posts("CDOWN") if "Sync API" in str(m)],
            10,
            "the api card",
        )
        assert len(api_cards) == 1
        wait_until(lambda: slack.replies("CDOWN", api_cards[0]["ts"]), 15, "the recovery")
        # Three good polls after the return, their alerts (if any) out: no per-workspace alarm.
        polls = sim.listings()
        wait_until(lambda: sim.listings() >= polls + 3, 15, "three polls after the return")
        wait_until(lambda: bot.unsent() == 0, 15, "the outbox to drain")
        assert len(slack.posts("CDOWN")) == before + 1
