"""`fsync-bot check` and the settings it reads: every problem named, in one report."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from bot.check import run_check
from bot.settings import Settings
from tests.fakes import FakeSlack
from tests.support.simproc import SimProcess


def env(**values: str) -> dict[str, str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
    }
    return {**base, **values}


def test_settings_read_lists_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FSYNC_ADMINS", "U1, U2")
    monkeypatch.setenv("FSYNC_PROTECTED", "prod*,live-*")
    settings = Settings()
    assert settings.admins == ["U1", "U2"] and settings.protected == ["prod*", "live-*"]
    assert settings.slack_api_url == "https://slack.com/api/" and settings.port == 3000
    assert settings.firestartr_rate_limit == 100 and settings.poll_interval == 30
    assert Settings(firestartr_api_key="k").firestartr_api_key is not None


def test_secrets_never_show_in_a_repr() -> None:
    settings = Settings(
        slack_bot_token="xoxb-secret-1",
        firestartr_api_key="key-secret-2",
        slack_signing_secret="sign-secret-3",
    )
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    for secret in ("xoxb-secret-1", "key-secret-2", "sign-secret-3"):
        assert secret not in shown


def test_check_names_every_missing_and_invalid_setting_at_once() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env(PORT="banana", FSYNC_POLL_INTERVAL="-1"),
    )
    assert result.returncode == 1
    assert "PORT" in result.stdout and "FSYNC_POLL_INTERVAL" in result.stdout


def test_check_reports_each_piece_then_all_good(tmp_path) -> None:
    slack = FakeSlack().start()
    try:
        with SimProcess(key="check-key") as sim:
            good = Settings(
                slack_bot_token="xoxb-t",
                slack_signing_secret="s",
                slack_api_url=slack.api_url,
                firestartr_api_url=sim.url,
                firestartr_api_key="check-key",
                db_path=tmp_path / "x.db",
                admins=["U1"],
                alert_channel="C1",
            )
            out = io.StringIO()
            assert run_check(good, out) == 0
            assert "8 workspaces" in out.getvalue() and "connected as @fsync" in out.getvalue()
            out = io.StringIO()
            wrong_key = good.model_copy(update={"firestartr_api_key": "nope"})
            assert run_check(wrong_key, out) == 1
            assert "refused fsync's API key" in out.getvalue()
            assert "nope" not in out.getvalue()
            assert "1 problem found." in out.getvalue()
            slack.fail("auth.test", error="invalid_auth")
            out = io.StringIO()
            assert run_check(good, out) == 1
            assert "invalid_auth" in out.getvalue() and "SLACK_BOT_TOKEN" in out.getvalue()
    finally:
        slack.stop()


def test_check_never_prints_the_credentials_of_a_url(tmp_path) -> None:
    """user:password in FIRESTARTR_API_URL or SLACK_API_URL: not in the report, nor in any log
    line, even at debug level (slack_sdk logs every URL it calls there)."""
    slack = FakeSlack().start()
    try:
        with SimProcess(key="check-key") as sim:
            settings = env(
                SLACK_BOT_TOKEN="xoxb-t",
                SLACK_SIGNING_SECRET="s",
                FIRESTARTR_API_KEY="check-key",
                FIRESTARTR_API_URL=sim.url.replace("http://", "http://fsync:sim-pass-Q7x@"),
                SLACK_API_URL=slack.api_url.replace("http://", "http://bot:slack-pass-K2y@"),
                FSYNC_DB_PATH=str(tmp_path / "x.db"),
            )
            for level in ("WARNING", "DEBUG"):
                result = subprocess.run(
                    [sys.executable, "-m", "bot", "check"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    env={**settings, "FSYNC_LOG_LEVEL": level},
                )
                shown = result.stdout + result.stderr
                assert "sim-pass-Q7x" not in shown and "slack-pass-K2y" not in shown
                assert "Sync API at http://***@127.0.0.1:" in result.stdout
                assert "Traceback" not in shown
    finally:
        slack.stop()


def test_check_says_when_hosts_are_unreachable(tmp_path) -> None:
    from tests.support.botproc import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        slack_bot_token="xoxb-t",
        slack_signing_secret="s",
        slack_api_url=dead + "/api/",
        firestartr_api_url=dead,
        firestartr_api_key="k",
        db_path=tmp_path / "x.db",
    )
    out = io.StringIO()
    assert run_check(settings, out) == 1
    text = out.getvalue()
    assert "could not reach the Sync API" in text and "unreachable" in text
    assert "2 problems found." in text


def test_run_refuses_to_start_half_configured(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env(FSYNC_DB_PATH=str(tmp_path / "x.db")),
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "FIRESTARTR_API_KEY" in result.stderr


def test_run_refuses_a_missing_database_directory(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env(
            SLACK_BOT_TOKEN="xoxb-t",
            SLACK_SIGNING_SECRET="s",
            FIRESTARTR_API_KEY="k",
            FSYNC_DB_PATH=str(tmp_path / "nowhere" / "x.db"),
        ),
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
