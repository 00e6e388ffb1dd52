"""The history tables (bot/migrations.py m006_history): the runs seen and the episodes, kept for
FSYNC_HISTORY_DAYS. The one module that reads and writes them (tests/test_sql_owners.py).

The poller records into the tick's own transaction (`record`), and only what that tick changed:
a poll that changes nothing writes nothing. Times are stored as UTC ISO text, so that text
order is time order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.alerts import history_pending, repo
from bot.alerts.history_rows import MAX_ERROR, EpisodeSeen, RunSeen, moment, text
from bot.alerts.model import Episode
from bot.engine import Db, database_errors, integrity_errors
from bot.sql import replace_into

log = logging.getLogger(__name__)
FOLD_BATCH = 5_000  # pending runs read and folded at once


def _run(row: Sequence[Any]) -> RunSeen:
    """A run from history_runs' columns, in the order `runs` reads them."""
    id_, ws, run_id, started, ended, outcome, mark, message, runs = row
    times = moment(started), moment(ended)
    return RunSeen(id_, ws, run_id, *times, outcome, mark or "", message, runs or 1)


_ADD_RUN = (
    "INSERT INTO history_runs (id, workspace, run_id, started_at, finished_at, outcome, "
    "fingerprint, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
    "finished_at = excluded.finished_at, outcome = excluded.outcome, "
    "fingerprint = excluded.fingerprint, message = excluded.message "
    "WHERE history_runs.finished_at IS NULL AND excluded.finished_at IS NOT NULL"
)


# The last finished run of each workspace, read for a whole batch of runs at once (500
# workspaces synced asked 500 times: bench/poll_tick's changed_since ticks).
_LATEST = (
    "SELECT workspace, id, outcome, finished_at, run_id FROM history_runs h "
    "WHERE workspace IN ({}) "
    "AND finished_at = (SELECT MAX(finished_at) FROM history_runs WHERE workspace = h.workspace)"
)
# workspace: (row id, outcome, finished_at, the last run's id)
Latest = dict[str, tuple[str, str, str, str | None]]


def _latest(db: Db, workspaces: Iterable[str]) -> Latest:
    found: Latest = {}
    names = sorted(set(workspaces))
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        rows = db.execute(_LATEST.format(",".join("?" * len(chunk))), chunk).fetchall()
        for workspace, id_, outcome, end, run_id in rows:
            found.setdefault(workspace, (id_, outcome, end, run_id))
    return found


# A success joining its day's row: (its run id, its end, the row's id, its own id).
Join = tuple[str | None, str, str, str]


def _add_run(db: Db, run: RunSeen, latest: Latest, joins: list[Join]) -> None:
    """One run into history: a success right after a success of the same UTC day joins its
    row (one more run, the last one's id and end); a run already there is left as it is, except
    a started one that now has its end. `latest` is kept up to date as runs are added."""
    end = text(run.finished_at)
    last = latest.get(run.workspace) if end is not None else None
    if not run.fresh and end is not None:
        # The same run, told again (a status that changed without a new sync): the last run of
        # this fold first (its join is written at the fold's end), then the table.
        if last is not None and run.id in (last[0], last[3]):
            return
        known = db.execute(
            "SELECT 1 FROM history_runs WHERE workspace = ? AND (id = ? OR run_id = ?) "
            "AND finished_at IS NOT NULL",
            [run.workspace, run.id, run.run_id],
        ).fetchone()
        if known:
            return
    if last is not None and end is not None:
        # The API's clock and fsync's differ: a run told later did not end before one told
        # earlier.
        end = max(end, last[2])
        same_day = last[2][:10] == end[:10]
        if run.fresh and run.outcome == last[1] == "success" and same_day:
            joins.append((run.run_id, end, last[0], run.id))
            latest[run.workspace] = (last[0], "success", end, run.run_id)
            return
    values = [text(run.started_at), end, run.outcome, run.fingerprint, run.message]
    row_id = run.id
    added = db.execute(_ADD_RUN, [run.id, run.workspace, run.run_id, *values]).rowcount
    if not added and run.fresh and end is not None:
        # The id belongs to another, earlier sync (an API that left last_run_id as it was while
        # last_sync moved on): this one is kept under its workspace and time, its id unknown.
        row_id = f"{run.workspace}@{end}"
        added = db.execute(_ADD_RUN, [row_id, run.workspace, None, *values]).rowcount
    if added and end is not None:  # (a row kept under workspace and time has no run id)
        latest[run.workspace] = (row_id, run.outcome, end, run.run_id if row_id == run.id else None)


def record(
    db: Db, runs: Sequence[RunSeen], episodes: Iterable[Episode], *, defer: bool = False
) -> bool:
    """Store a tick's news in the caller's transaction; False when it could not be.

    `defer` (the poller): the runs are appended to history_pending and folded into history_runs
    later, in order (`fold`). A run joins a row at a random place in a table of a row per
    workspace and day: at 50,000 workspaces with 1% syncing between polls, that was half of a
    tick, mostly pages dirtied by one run each (bench/poll_tick); a fold of minutes of runs
    dirties each page once. Readers fold a workspace's runs first (bot/alerts/history.py).

    History must never stop alerts: what fails here is undone back to a savepoint and logged,
    and the tick's alerts are committed without it."""
    db.execute("SAVEPOINT history")
    try:
        if defer:
            history_pending.append(db, runs)
        else:
            _apply(db, runs)
        _record_episodes(db, episodes)
    except Exception:
        db.execute("ROLLBACK TO history")
        log.exception("the history of this poll is not kept; its alerts are")
        return False
    finally:
        db.execute("RELEASE history")
    return True


def fold(db: Db, workspace: str | None = None) -> int:
    """Fold the pending runs (every workspace's, or one's) into history_runs, oldest first, in
    the caller's writing transaction, and bring the stored snapshot's routine rows up to the
    last_sync they moved (repo.advance_last_sync); how many runs. A batch that fails is folded
    again run by run: a run history cannot keep is logged and left out, not the runs after it.
    An error of the database itself ends the transaction, and the runs stay pending."""
    folded = after = 0
    while True:  # a batch at a time: a first tick appends a run per workspace
        runs, last = history_pending.take(db, workspace, after, FOLD_BATCH)
        if last == after:
            return folded
        if not _saved(db, _apply, runs):
            for run in runs:
                if not _saved(db, _apply, [run]):
                    log.error(
                        "the history of run %s of %s could not be kept", run.id, run.workspace
                    )
        synced = {r.workspace: r.last_sync for r in runs if r.outcome == "success" and r.last_sync}
        repo.advance_last_sync(db, synced)
        history_pending.forget(db, workspace, last)
        folded, after = folded + len(runs), last


def _saved(db: Db, step: Callable[[Db, Sequence[RunSeen]], None], runs: Sequence[RunSeen]) -> bool:
    """`step` inside a savepoint: False (its writes undone, logged) when the runs were the
    trouble. The database's own trouble (busy, full, gone) is raised: the runs stay pending."""
    db.execute("SAVEPOINT fold")
    try:
        step(db, runs)
    except Exception as exc:
        db.execute("ROLLBACK TO fold")
        if isinstance(exc, database_errors()) and not isinstance(exc, integrity_errors()):
            raise
        log.exception("folding %d pending runs failed", len(runs))
        return False
    finally:
        db.execute("RELEASE fold")
    return True


def _apply(db: Db, runs: Sequence[RunSeen]) -> None:
    conn = db.conn
    latest = _latest(db, (r.workspace for r in runs if r.finished_at is not None))
    joins: list[Join] = []
    for run in runs:
        _add_run(db, run, latest, joins)
    # In key order (a stable sort: one row's joins keep theirs): neighbours share index pages.
    joins.sort(key=lambda join: join[2])
    conn.executemany(  # written together: one statement per batch, not two per run
        "UPDATE history_runs SET runs = runs + 1, run_id = ?, finished_at = ? WHERE id = ?",
        [join[:3] for join in joins],
    )
    conn.executemany(
        "DELETE FROM history_runs WHERE id = ? AND finished_at IS NULL",
        [join[3:] for join in joins],
    )


def _record_episodes(db: Db, episodes: Iterable[Episode]) -> None:
    conn = db.conn
    rows = [
        (
            ep.id,
            ep.workspace,
            ep.kind,
            text(ep.opened_at),
            text(ep.closed_at),
            ep.closed_how,
            ep.failures,
            len(ep.conflicts) if ep.kind == "conflict" else 0,
            (ep.first_message or "")[:MAX_ERROR] or None,
            (ep.message or "")[:MAX_ERROR] or None,
        )
        for ep in episodes
    ]
    if rows:
        conn.executemany(
            replace_into(
                "history_episodes",
                "id, workspace, kind, opened_at, closed_at, closed_how, failures, conflicts, "
                "first_error, last_error",
                "id",
            ),
            rows,
        )


def prune(db: Db, before: datetime) -> int:
    """Forget runs that ended (or, never seen to end, started) and episodes that closed before
    `before`; an open episode stays however old. The rows deleted. A failure is logged, not
    raised: the poll that prunes has committed its alerts already."""
    cutoff = text(before)
    try:
        gone = db.execute(
            "DELETE FROM history_runs WHERE coalesce(finished_at, started_at) < ?", [cutoff]
        ).rowcount
        gone += db.execute(
            "DELETE FROM history_episodes WHERE closed_at IS NOT NULL AND closed_at < ?", [cutoff]
        ).rowcount
    except Exception:
        log.exception("history older than %s not pruned; the next prune tries again", cutoff)
        return 0
    return int(gone)


# --- reading ---------------------------------------------------------------------------------
def runs(db: Db, workspace: str, since: datetime) -> list[RunSeen]:
    """The workspace's runs that ended (or started) at `since` or later, oldest first."""
    rows = db.execute(
        "SELECT id, workspace, run_id, started_at, finished_at, outcome, fingerprint, message, "
        "runs FROM history_runs WHERE workspace = ? AND coalesce(finished_at, started_at) >= ? "
        "ORDER BY coalesce(finished_at, started_at)",
        [workspace, text(since)],
    ).fetchall()
    return [_run(row) for row in rows]


def episodes(db: Db, workspace: str | None, since: datetime) -> list[EpisodeSeen]:
    """The workspace's episodes open at some moment from `since` on, oldest first; every
    workspace's with `workspace=None` (the fleet's picture)."""
    rows = db.execute(
        "SELECT id, workspace, kind, opened_at, closed_at, closed_how, failures, conflicts, "
        "first_error, last_error FROM history_episodes "
        "WHERE (CAST(? AS TEXT) IS NULL OR workspace = ?) "
        "AND (closed_at IS NULL OR closed_at >= ?) "
        "ORDER BY opened_at",
        [workspace, workspace, text(since)],
    ).fetchall()
    found = []
    for id_, ws, kind, opened, closed, how, failures, conflicts, first, last in rows:
        opened_at = moment(opened)
        assert opened_at is not None  # the column is always written
        found.append(
            EpisodeSeen(
                id_,
                ws,
                kind,
                opened_at,
                moment(closed),
                how,
                failures or 0,
                conflicts or 0,
                first,
                last,
            )
        )
    return found


def first_seen(db: Db, workspace: str) -> datetime | None:
    """The earliest moment history holds for the workspace: before it, nothing is known."""
    row = db.execute(
        "SELECT min(t) FROM (SELECT min(coalesce(started_at, finished_at)) AS t FROM history_runs "
        "WHERE workspace = ? UNION ALL SELECT min(opened_at) FROM history_episodes "
        "WHERE workspace = ?) AS firsts",
        [workspace, workspace],
    ).fetchone()
    return moment(row[0]) if row else None
