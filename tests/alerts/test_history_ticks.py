"""History written a tick at a time: what a tick's runs leave in the database is the same
whether a workspace appears once or several times, and a tick of many runs reads the last run
of every workspace at once, not once per run."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.alerts import history_repo
from bot.alerts.history_rows import RunSeen
from bot.store import Store
from tests.alerts.conftest import NOW


def success(name: str, n: int, minutes: int) -> RunSeen:
    return RunSeen(
        f"{name}-r{n}", name, f"{name}-r{n}", None, NOW + timedelta(minutes=minutes), "success"
    )


def test_successes_of_one_day_in_one_tick_share_a_row_and_a_failure_stands_alone(
    store: Store,
) -> None:
    ticks = [
        [success("dev", 1, 0), success("dev", 2, 5), success("prod", 1, 5)],
        [
            success("dev", 3, 10),
            RunSeen(
                "prod-r2",
                "prod",
                "prod-r2",
                None,
                NOW + timedelta(minutes=10),
                "failed",
                "x",
                "Error: plan failed",
            ),
            success("prod", 3, 15),
        ],
    ]
    for runs in ticks:
        with store.transaction() as db:
            assert history_repo.record(db, runs, [])
    dev = history_repo.runs(store.db, "dev", NOW - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.runs) for r in dev] == [("dev-r3", "success", 3)]
    assert dev[0].finished_at == NOW + timedelta(minutes=10)
    prod = history_repo.runs(store.db, "prod", NOW - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.runs) for r in prod] == [
        ("prod-r1", "success", 1),
        ("prod-r2", "failed", 1),
        ("prod-r3", "success", 1),
    ]


def test_a_tick_of_many_runs_costs_a_few_statements_not_some_per_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "fsync.db")
    names = [f"ws-{n:04d}" for n in range(1000)]
    with store.transaction() as db:
        history_repo.record(db, [success(name, 1, 0) for name in names], [])
    statements: list[str] = []
    conn = store.db.conn
    assert isinstance(conn, sqlite3.Connection)
    conn.set_trace_callback(statements.append)
    with store.transaction() as db:
        history_repo.record(db, [success(name, 2, 5) for name in names], [])
    conn.set_trace_callback(None)
    # Each workspace's success joins its row; executemany traces each row it writes, so count
    # the reads: two chunks of 500 workspaces (before: one read per run, 1,000).
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 4, len(reads)
    assert history_repo.runs(store.db, "ws-0001", NOW - timedelta(days=1))[0].runs == 2


def test_runs_appended_then_folded_keep_their_times_to_the_microsecond(store: Store) -> None:
    """Pending runs hold their times as POSIX seconds (bot/alerts/history_pending.py); history
    gets back exactly the moments the poll saw."""
    ends = [NOW + timedelta(microseconds=n * 123_457) for n in range(1, 40)]
    runs = [
        RunSeen(f"r{n}", f"ws-{n}", f"r{n}", NOW, end, "failed", "x", "boom")
        for n, end in enumerate(ends)
    ]
    with store.transaction() as db:
        assert history_repo.record(db, runs, [], defer=True)
    assert history_repo.runs(store.db, "ws-1", NOW - timedelta(days=1)) == []  # not folded yet
    with store.transaction() as db:
        assert history_repo.fold(db) == len(runs)
    for n, end in enumerate(ends):
        (run,) = history_repo.runs(store.db, f"ws-{n}", NOW - timedelta(days=1))
        assert (run.started_at, run.finished_at, run.message) == (NOW, end, "boom")
