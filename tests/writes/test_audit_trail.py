"""The audit trail on a real SQLite file: a full disk refuses a write before it is sent; an
outcome that cannot be written is kept and written once the database is back, or given up on."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.core.audit import AuditTrail
from bot.errors import NotRecorded
from bot.store import Store


def fill_the_disk(store: Store) -> None:
    """This connection may not grow the file by a single page more, and the pages it has are
    filled to the last few bytes: SQLITE_FULL on the next insert, as a full disk gives."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages + 2}")
    for size in (2000, 300, 50, 0):
        with pytest.raises(sqlite3.OperationalError, match="full"):
            while True:
                store.db.execute("INSERT INTO audit (detail) VALUES (?)", ("x" * size,))


def test_a_full_disk_refuses_the_write_before_it_is_sent(tmp_path: Path) -> None:
    store = Store(tmp_path / "fsync.db")
    trail = AuditTrail(store)
    fill_the_disk(store)
    entry = trail.entry("UADMIN", "sync", "dev", {})
    with pytest.raises(NotRecorded) as caught:
        entry.before_send()
    assert caught.value.user_message == (
        "fsync could not record this in its audit log (the disk is full), so nothing was sent. "
        "Try again later."
    )


def test_an_outcome_kept_for_later_is_written_once_the_database_is_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "fsync.db", busy_timeout=0.1)
    trail = AuditTrail(store, retry_every=3600)  # no background round during the test
    entry = trail.entry("UOPER", "sync", "dev", {"confirmed": False})
    entry.before_send()
    other = sqlite3.connect(tmp_path / "fsync.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    entry.finish("ok")  # does not raise: the person is told the write was done
    assert trail.pending() == 1 and not trail.flush()
    other.execute("COMMIT")
    other.close()
    assert trail.flush() and trail.pending() == 0
    (row,) = store.audit_entries()
    assert (row["outcome"], row["user_id"], row["args"]) == ("ok", "UOPER", {"confirmed": False})


def test_a_write_failing_for_too_long_is_given_up_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path / "fsync.db")
    trail = AuditTrail(store, retry_every=3600, give_up_after=0)
    fill_the_disk(store)
    trail.refused("UVIEW", "config", "dev", {}, "You need the admin role")
    with caplog.at_level(logging.ERROR, logger="bot.core.audit"):
        assert trail.flush()
    assert "gave up writing audit config denied (the disk is full)" in caplog.text
