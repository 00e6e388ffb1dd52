"""The three module-scoped processes an alert test needs: the simulator, a paced fake Slack with
channel history, and `fsync-bot run` polling every second into one alert channel.

    sim, slack, bot = alert_fixtures(KEY, "CALERTS", sync_seconds="0.3", workdir="alerts")

binds pytest fixtures named `sim`, `slack` and `bot` in the calling module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.alerts.historyslack import HistorySlack
from tests.support.botproc import BotProcess
from tests.support.simproc import SimProcess

Fixture = Callable[..., Iterator[object]]


def sim_and_slack(key: str, *, sync_seconds: str) -> tuple[Fixture, Fixture]:
    """Module-scoped `sim` and `slack` fixtures alone (a test that starts its bots itself)."""

    @pytest.fixture(scope="module")
    def sim() -> Iterator[SimProcess]:
        with SimProcess(extra_args=["--sync-seconds", sync_seconds], key=key) as process:
            yield process

    @pytest.fixture(scope="module")
    def slack() -> Iterator[HistorySlack]:
        fake = HistorySlack(post_interval=1.0).start()  # Slack's ~1 message a second a channel
        yield fake
        fake.stop()

    return sim, slack


def alert_fixtures(
    key: str, channel: str, *, sync_seconds: str, workdir: str
) -> tuple[Fixture, Fixture, Fixture]:
    sim, slack = sim_and_slack(key, sync_seconds=sync_seconds)

    @pytest.fixture(scope="module")
    def bot(
        tmp_path_factory: pytest.TempPathFactory, sim: SimProcess, slack: HistorySlack
    ) -> Iterator[BotProcess]:
        env = {"FSYNC_POLL_INTERVAL": "1", "FSYNC_ALERT_CHANNEL": channel}
        process = BotProcess(slack, sim.url, sim.key, tmp_path_factory.mktemp(workdir), **env)
        process.start()
        yield process
        process.stop()

    return sim, slack, bot
