"""`fsync-bot run` and `fsync-bot check` as a new team first starts them: what goes wrong is said
in one line, the process exits 2, and a good start logs nothing about tokens it does not use.

Decided: Slack unreachable or refusing the bot token stops `run` (exit 2, one line): without Slack
the bot can do nothing, and its supervisor's restart is the retry (each attempt leaves one line).
A Sync API that does not answer does not stop it: commands say so, and the poller logs one line
per failed poll (then posts the `api` alert).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Self

import pytest

from tests.fakes import FakeSlack
from tests.support import slackreq
from tests.support.botproc import BOT_TOKEN, BotProcess, free_port
from tests.support.simproc import SimProcess
from tests.support.socketmode import SocketModeServer
from tests.support.waiting import wait_until

APP_TOKEN = "xapp-1-A0FSYNCAPP-1234567890-firsthour-token"
MODES = ["http", "socket"]


def clean_env(**values: str) -> dict[str, str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
    }
    return {**base, **values}


def run_env(tmp_path: Path, mode: str, slack_api_url: str, sim_url: str = "") -> dict[str, str]:
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack_api_url,
        FIRESTARTR_API_URL=sim_url or f"http://127.0.0.1:{free_port()}",
        FIRESTARTR_API_KEY="firsthour-key",
        FSYNC_DB_PATH=str(tmp_path / "fsync.db"),
        FSYNC_LOG_LEVEL="INFO",
        PORT=str(free_port()),
    )
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = APP_TOKEN
    else:
        env["SLACK_SIGNING_SECRET"] = slackreq.SIGNING_SECRET
    return env


def run(env: dict[str, str]) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return done.returncode, lines


@pytest.mark.parametrize("mode", MODES)
def test_slack_unreachable_is_one_line_and_exit_2(tmp_path: Path, mode: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    code, lines = run(run_env(tmp_path, mode, closed))
    assert code == 2
    assert len(lines) == 1, lines  # not slack_sdk's retry log, not an 80-line traceback
    assert lines[0].startswith("fsync-bot run: Slack at http://127.0.0.1:")
    assert "unreachable (connection refused)" in lines[0] and "SLACK_API_URL" in lines[0]


@pytest.mark.parametrize("mode", MODES)
def test_a_refused_bot_token_is_one_line_and_exit_2(tmp_path: Path, mode: str) -> None:
    slack = FakeSlack().start()
    try:
        slack.fail("auth.test", error="invalid_auth", times=10)
        code, lines = run(run_env(tmp_path, mode, slack.api_url))
    finally:
        slack.stop()
    assert code == 2
    assert len(lines) == 1, lines
    assert "Slack refused the bot token (invalid_auth)" in lines[0]
    assert "SLACK_BOT_TOKEN" in lines[0] and BOT_TOKEN not in lines[0]


def test_socket_mode_refusing_the_app_token_is_exit_2_as_well(tmp_path: Path) -> None:
    slack = FakeSlack().start()  # knows no Socket Mode server: apps.connections.open refuses
    try:
        env = run_env(tmp_path, "socket", slack.api_url)
        code, lines = run({**env, "SLACK_APP_TOKEN": "xoxb-0000-not-an-app-token"})
    finally:
        slack.stop()
    assert code == 2
    assert "Slack refused a Socket Mode connection (not_allowed_token_type)" in lines[-1]
    assert not any("Traceback" in line for line in lines)


class Started(BotProcess):
    """`fsync-bot run` in either mode, started once it serves (HTTP) or has its socket."""

    def __init__(
        self, slack: FakeSlack, sim_url: str, workdir: Path, server: SocketModeServer | None
    ) -> None:
        super().__init__(slack, sim_url, "firsthour-key", workdir)
        self.server = server
        if server is not None:
            self.env["SLACK_APP_TOKEN"] = APP_TOKEN
            del self.env["SLACK_SIGNING_SECRET"]

    def start(self) -> Self:
        if self.server is None:
            return super().start()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=self.env, stdout=log, stderr=log
        )
        self.server.wait_opened(1, timeout=self.start_timeout)
        return self


@pytest.fixture(params=MODES)
def started(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Started]:
    server = SocketModeServer().start() if request.param == "socket" else None
    slack = FakeSlack(socket_mode=server.open_url if server else None).start()
    # The Sync API is not there: the bot starts all the same (see the module's docstring).
    bot = Started(slack, f"http://127.0.0.1:{free_port()}", tmp_path, server)
    try:
        yield bot.start()
    finally:
        bot.stop()
        slack.stop()
        if server is not None:
            server.stop()


def test_a_start_warns_of_nothing_it_does_not_need(started: Started) -> None:
    wait_until(lambda: "poll failed (1 in a row)" in started.log(), 20, "the first poll")
    log = started.log()
    assert "token` will be unused" not in log  # Bolt read SLACK_BOT_TOKEN behind Settings' back
    assert "starting as @fsync in Example" in log
    assert "could not reach the Sync API" in log and "Traceback" not in log
    assert started.proc is not None and started.proc.poll() is None  # still serving


def test_check_prints_its_report_only_whatever_the_log_level(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=closed + "/api/",
        FIRESTARTR_API_URL=closed,
        FIRESTARTR_API_KEY="k",
        FSYNC_DB_PATH=str(tmp_path / "x.db"),
        FSYNC_LOG_LEVEL="INFO",  # as set for `run` in the same environment
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"], env=env, capture_output=True, text=True, timeout=60
    )
    shown = done.stdout + done.stderr
    assert done.returncode == 1
    assert "slack_sdk" not in shown and "ERROR" not in shown and "Traceback" not in shown
    assert f"✗ Slack at {closed}/api/ is unreachable (connection refused)" in done.stdout
    assert done.stderr == ""


def test_check_says_which_slack_token_is_refused(tmp_path: Path) -> None:
    slack = FakeSlack().start()
    try:
        with SimProcess(key="k") as sim:
            slack.fail("auth.test", error="token_revoked", times=10)
            done = subprocess.run(
                [sys.executable, "-m", "bot", "check"],
                env=clean_env(
                    SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_SIGNING_SECRET="s",
                    SLACK_API_URL=slack.api_url,
                    FIRESTARTR_API_URL=sim.url,
                    FIRESTARTR_API_KEY="k",
                    FSYNC_DB_PATH=str(tmp_path / "x.db"),
                    FSYNC_LOG_LEVEL="INFO",
                ),
                capture_output=True,
                text=True,
                timeout=60,
            )
    finally:
        slack.stop()
    assert "✗ Slack refused the bot token (token_revoked): set SLACK_BOT_TOKEN" in done.stdout


def test_the_first_look_after_a_restart_alerts_nothing_already_on_a_card() -> None:
    """The snapshot loaded from SQLite says billing-api fails with this error; the listing says
    it still does, with a later sync. Runs fsync did not watch are not "failed again"; a new
    error is still news."""
    from bot.alerts.diff import diff
    from tests.alerts.conftest import NOW, ws

    later = {"last_sync": NOW + timedelta(minutes=7)}
    first = diff(
        {},
        {},
        [ws("billing-api", "failed", "Lock Info: ID: 8f1c2a7e-5b3d-4c1e-9a0f-2d6e7b8c9d10")],
        NOW,
    )
    prev = first.seen
    episodes = {e.id: e for e in first.episodes.values()}
    again = [
        ws("billing-api", "failed", "Lock Info: ID: 1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", **later)
    ]
    after_restart = diff(prev, episodes, again, NOW + timedelta(hours=1), rebase=True)
    assert after_restart.events == [] and after_restart.seen["billing-api"].last_sync == (
        NOW + timedelta(minutes=7)
    )
    watched = diff(prev, episodes, again, NOW + timedelta(hours=1))
    assert [e.kind for e in watched.events] == ["repeat"]  # seen by a running fsync: news
    other = [ws("billing-api", "failed", "Error: creating S3 bucket", **later)]
    news = diff(prev, episodes, other, NOW + timedelta(hours=1), rebase=True)
    assert [e.kind for e in news.events] == ["failed"]
