"""The database unusable, busy or locked; SIGTERM in the middle of work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.store import Store, StoreError
from tests.fakes import FakeSlack
from tests.support.botproc import OPERATOR, BotProcess
from tests.support.simproc import SimProcess


def bot_env(**values: str) -> dict[str, str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
    }
    return {
        **base,
        "SLACK_BOT_TOKEN": "xoxb-t",
        "SLACK_SIGNING_SECRET": "s",
        "FIRESTARTR_API_KEY": "k",
        **values,
    }


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("missing/dir/fsync.db", "does not exist"),
        ("is-a-directory", "Cannot use the database"),
        ("/proc/fsync.db", "Cannot use the database"),
    ],
)
def test_unusable_database_is_a_clear_error_at_start(tmp_path: Path, where: str, says: str) -> None:
    (tmp_path / "is-a-directory").mkdir()
    path = where if where.startswith("/") else str(tmp_path / where)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert says in caught.value.user_message
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=30,
        env=bot_env(FSYNC_DB_PATH=path),
    )
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_a_busy_database_is_waited_on_not_failed(tmp_path: Path) -> None:
    store = Store(tmp_path / "fsync.db")
    other = sqlite3.connect(tmp_path / "fsync.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    store.audit(user_id="U1", action="sync", workspace="dev", args={}, outcome="ok")
    assert time.monotonic() - started >= 0.9
    assert store.audit_entries()[0]["action"] == "sync"
    release.join()
    other.close()


def test_sigterm_during_work_exits_promptly_and_cleanly(tmp_path: Path) -> None:
    slack = FakeSlack().start()
    try:
        with SimProcess(extra_args=["--sync-seconds", "3"], key="term-key") as sim:
            bot = BotProcess(slack, sim.url, sim.key, tmp_path).start()
            sim.control("POST", "/_sim/faults", {"latency_ms": 1500})
            bot.command("sync staging", user=OPERATOR)
            bot.command("status", user=OPERATOR)
            time.sleep(0.3)  # requests are now in flight against the slow API
            assert bot.proc is not None
            started = time.monotonic()
            bot.proc.send_signal(signal.SIGTERM)
            code = bot.proc.wait(timeout=15)
            assert time.monotonic() - started < 10
            assert code == 0, bot.log()[-2000:]
            assert "Traceback" not in bot.log()
            # The in-flight command still got its answer before the process left.
            assert slack.of("response_url") or slack.of("chat.postMessage")
            bot.stop()
    finally:
        slack.stop()
