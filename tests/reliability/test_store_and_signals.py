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


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_corrupt_database_at_start_is_one_clear_line_and_exit_2(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "fsync.db"
    path.write_bytes(b"this is not an SQLite database, just bytes \x00\xff" * 200)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert "damaged or not an SQLite database" in caught.value.user_message
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        capture_output=True,
        text=True,
        timeout=30,
        # Unreachable APIs: the database is what this is about, and `check` reports it first.
        env=bot_env(
            FSYNC_DB_PATH=str(path),
            FIRESTARTR_API_URL="http://127.0.0.1:9",
            SLACK_API_URL="http://127.0.0.1:9/api/",
        ),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "damaged or not an SQLite database" in line and str(path) in line
    assert "Traceback" not in result.stdout + result.stderr


def _damage(path: Path, harm: str) -> None:
    size = path.stat().st_size
    if harm == "deleted":
        path.unlink()
    elif harm == "random bytes":
        path.write_bytes(os.urandom(size))
    elif harm == "pages overwritten":
        with path.open("r+b") as f:  # the header and the schema page stay intact
            f.seek(4096 * 2)
            f.write(os.urandom(size - 4096 * 2))
    elif harm == "replaced by another database":
        other = path.with_name("other.db")
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
        os.replace(other, path)


@pytest.mark.parametrize(
    "harm", ["deleted", "random bytes", "pages overwritten", "replaced by another database"]
)
def test_ping_says_the_database_is_unusable_when_its_file_is(tmp_path: Path, harm: str) -> None:
    path = tmp_path / "fsync.db"
    store = Store(path)
    for n in range(300):
        store.audit(user_id="U1", action="sync", workspace=f"ws-{n}", args={"n": n}, outcome="ok")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert store.ping() is True
    _damage(path, harm)
    assert store.db.execute("SELECT 1").fetchone() == (1,)  # the cached connection sees nothing
    assert store.ping() is False


def test_healthz_answers_503_once_the_database_file_is_gone(tmp_path: Path) -> None:
    slack = FakeSlack().start()
    try:
        with SimProcess(key="health-key") as sim:
            bot = BotProcess(slack, sim.url, sim.key, tmp_path).start()
            try:
                assert bot.http.get("/healthz").status_code == 200
                bot.db.unlink()  # a volume gone, a clean-up script: the bot's open file lives on
                answer = bot.http.get("/healthz")
                assert answer.status_code == 503
                assert answer.json()["database"] == "unavailable"
            finally:
                bot.stop()
    finally:
        slack.stop()


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
