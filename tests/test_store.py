"""bot/store.py's small helpers: times as text, and the key/value facts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from bot.alerts import repo
from bot.core.fleet_cache import FleetCache
from bot.firestartr.models import Workspace
from bot.migrations import migrations
from bot.store import Store
from bot.times import iso, maybe_iso, now_iso

MOMENT = datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [MOMENT, MOMENT.replace(microsecond=0), MOMENT.astimezone(timezone(timedelta(hours=2)))],
)
def test_iso_reads_back_to_the_same_moment(moment: datetime) -> None:
    assert datetime.fromisoformat(iso(moment)) == moment
    assert maybe_iso(moment) == iso(moment)


def test_no_moment_stays_empty_and_is_never_now() -> None:
    assert maybe_iso(None) is None


def test_now_iso_is_now_to_the_millisecond() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    text = now_iso()
    after = datetime.now(UTC)
    assert len(text.split(".")[1]) == len("123+00:00")  # milliseconds, then the offset
    assert before <= datetime.fromisoformat(text) <= after


def test_facts_are_put_read_replaced_and_deleted(tmp_path: Path) -> None:
    facts = Store(tmp_path / "fsync.db").facts
    assert facts.get("fleet") is None
    facts.put("fleet", [{"name": "dev"}])
    facts.put("fleet", [{"name": "prod"}])
    found = facts.get("fleet")
    assert found is not None and found.value == [{"name": "prod"}]
    assert datetime.now(UTC) - found.updated_at < timedelta(minutes=1)
    facts.delete("fleet")
    assert facts.get("fleet") is None


class _NoApi:
    def list_workspaces(self) -> list[Workspace]:
        raise AssertionError("the stored fleet is read without asking the API")


def test_a_database_from_before_one_key_value_table_keeps_every_value(tmp_path: Path) -> None:
    """An fsync.db written by the release with two key/value tables (kv and alert_state): after
    the upgrade the fleet copy and the Sync API's health are read as they were."""
    path = tmp_path / "fsync.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m004_one_key_value_table")
    fleet = [Workspace(name="dev", status="failed", message="boom").model_dump(mode="json")]
    saved = "2026-03-01T09:30:05.123+00:00"
    old.execute(  # as Store.put wrote the fleet copy
        "INSERT INTO kv (key, value, updated_at) VALUES ('fleet', ?, ?)", [json.dumps(fleet), saved]
    )
    since = datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=UTC)
    old.execute(  # an open Sync API episode, and its health as the poller's tick wrote it
        "INSERT INTO alert_episodes (id, workspace, kind, opened_at, status, failures, conflicts) "
        "VALUES ('ep_api', '', 'api', ?, 'unreachable', 3, '[]')",
        [since.isoformat()],
    )
    health = {"failures": 3, "since": since.isoformat(), "error": "timed out", "episode": "ep_api"}
    old.execute("INSERT INTO alert_state (key, value) VALUES ('api', ?)", [json.dumps(health)])
    old.close()

    store = Store(path)

    cached = FleetCache(_NoApi(), store).cached()
    assert cached is not None
    assert [(w.name, w.status, w.message) for w in cached.workspaces] == [("dev", "failed", "boom")]
    assert cached.fetched_at == datetime.fromisoformat(saved)
    got = repo.load_health(store.db, repo.open_episodes(store.db))
    assert (got.failures, got.since, got.error) == (3, since, "timed out")
    assert got.episode is not None and got.episode.id == "ep_api"
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.db.execute("SELECT * FROM alert_state")
