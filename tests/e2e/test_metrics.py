"""`GET /metrics` and `/readyz` of `fsync-bot run`, black-box: scraped before and after a poll,
a command and an alert, the counts must move; no label may carry a workspace name or a token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.alerts.historyslack import HistorySlack
from tests.support.botproc import BOT_TOKEN, BotProcess
from tests.support.scrape import wait_above
from tests.support.simproc import SimProcess

KEY = "sim-key-metrics-not-a-secret"
ALERTS = "CMETRICS"
POLLS_OK = 'fsync_polls_total{outcome="ok"}'
DURATIONS = "fsync_poll_duration_seconds_count"
LISTED = 'fsync_sync_api_requests_total{endpoint="GET /workspaces",status="200"}'
# An unchanged fleet answers 304 to the poller's conditional listing: a request all the same.
UNCHANGED = 'fsync_sync_api_requests_total{endpoint="GET /workspaces",status="304"}'


def listings(seen: dict[str, float]) -> float:
    return seen.get(LISTED, 0.0) + seen.get(UNCHANGED, 0.0)


STATUS_OK = 'fsync_commands_total{name="status",outcome="ok"}'
ACKS = "fsync_ack_latency_seconds_count"
SENT = "fsync_alerts_sent_total"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimProcess]:
    with SimProcess(extra_args=["--sync-seconds", "0.3"], key=KEY) as process:
        yield process


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, sim: SimProcess) -> Iterator[BotProcess]:
    slack = HistorySlack().start()
    env = {"FSYNC_POLL_INTERVAL": "1", "FSYNC_ALERT_CHANNEL": ALERTS}
    process = BotProcess(slack, sim.url, sim.key, tmp_path_factory.mktemp("metrics"), **env)
    process.start()
    yield process
    process.stop()
    slack.stop()


def settled(bot: BotProcess) -> dict[str, float]:
    """After the first polls, with the cards for the simulator's existing problems all sent."""
    seen = wait_above(bot.http, POLLS_OK, {})
    while seen.get("fsync_outbox_depth", 1.0) > 0:
        seen = wait_above(bot.http, POLLS_OK, seen)
    return seen


def test_a_poll_a_command_and_an_alert_each_move_their_counts(
    bot: BotProcess, sim: SimProcess
) -> None:
    before = settled(bot)

    after_poll = wait_above(bot.http, POLLS_OK, before)
    assert listings(after_poll) > listings(before)
    assert after_poll[DURATIONS] > before[DURATIONS]

    acks = after_poll.get(ACKS, 0.0)
    answer, name = bot.command("status")
    assert answer.status_code == 200
    assert "billing-api" in json.dumps(bot.responses(name)[0]["blocks"])
    after_command = wait_above(bot.http, STATUS_OK, after_poll)
    assert after_command[STATUS_OK] == after_poll.get(STATUS_OK, 0.0) + 1
    # The ack is timed once its bytes are out, so it may be counted after the command: its own wait.
    assert wait_above(bot.http, ACKS, {ACKS: acks})[ACKS] >= acks + 1

    sim.control("POST", "/_sim/workspaces", {"name": "metrics-app"}).raise_for_status()
    failed = {"status": "failed", "message": "disk full"}
    sim.control("POST", "/_sim/workspaces/metrics-app/state", failed).raise_for_status()
    after_alert = wait_above(bot.http, SENT, after_command)
    assert any("metrics-app" in json.dumps(m) for m in bot.slack.channel_messages(ALERTS))
    assert after_alert.get('fsync_alerts_failed_total{reason="refused"}', 0.0) == 0

    text = bot.http.get("/metrics").text
    assert "metrics-app" not in text and "billing-api" not in text  # endpoint templates only
    assert BOT_TOKEN not in text and KEY not in text and "response_url" not in text


def test_ready_while_polling_with_the_lease(bot: BotProcess) -> None:
    settled(bot)
    answer = bot.http.get("/readyz")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ready"] is True and body["lease"] == "this process"
    assert 0 <= body["last_good_poll_age_s"] < 3
    assert bot.http.get("/healthz").status_code == 200
