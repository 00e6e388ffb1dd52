"""The fault tests' stage (tests/reliability/test_faults.py, test_api_faults.py): a simulator,
a fake Slack that keeps history, and `fsync-bot run` on the test's database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.alerts.historyslack import HistorySlack
from tests.support.botproc import BotProcess
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


def failing(sim: SimProcess, names: list[str]) -> None:
    for name in names:
        sim.control("POST", "/_sim/workspaces", {"name": name}).raise_for_status()
    for name in names:
        sim.control(
            "POST",
            f"/_sim/workspaces/{name}/state",
            {"status": "failed", "message": f"Error: quota exceeded in {name}"},
        )


def cards(slack: HistorySlack, channels: list[str]) -> Counter[str]:
    """How many alert messages carry each alert key (a duplicate shows as a count of 2)."""
    return Counter(k for k in slack.keys() if k.split(":")[-1] in channels)


@contextmanager
def alerting_bot(
    tmp_path: Path,
    database: str,
    key: str,
    channel: str,
    post_interval: float = 0.0,
    poll: str = "1",
) -> Iterator[tuple[HistorySlack, SimProcess, BotProcess]]:
    """A simulator, a fake Slack and `fsync-bot run` polling every `poll` seconds into
    `channel`, once the first poll's alerts are in."""
    slack = HistorySlack(post_interval=post_interval).start()
    try:
        with SimProcess(key=key) as sim:
            env = {"FSYNC_POLL_INTERVAL": poll, "FSYNC_ALERT_CHANNEL": channel}
            bot = BotProcess(slack, sim.url, sim.key, tmp_path, database=database, **env).start()
            try:
                wait_until(lambda: slack.posts(channel), 15, "the first poll's alerts")
                yield slack, sim, bot
            finally:
                bot.stop()
    finally:
        slack.stop()
