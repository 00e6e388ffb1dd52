"""Runs the poller saw, not yet folded into history (bot/alerts/history_repo.py `record` with
`defer`, and `fold`): appended in order, taken in order. The one module that reads and writes
history_pending (tests/test_sql_owners.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.alerts.history_rows import RunSeen
from bot.engine import Db

log = logging.getLogger(__name__)

_PENDING_INSERT = (
    "INSERT INTO history_pending (seq, id, workspace, run_id, started_at, finished_at, outcome, "
    "fingerprint, message, fresh, last_sync) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Every workspace's pending runs (NULL), or one's; oldest first.
_PENDING_SELECT = (
    "SELECT seq, id, workspace, run_id, started_at, finished_at, outcome, fingerprint, message, "
    "fresh, last_sync FROM history_pending WHERE (CAST(? AS TEXT) IS NULL OR workspace = ?) "
    "AND seq > ? ORDER BY seq LIMIT ?"
)
_PENDING_DELETE = (
    "DELETE FROM history_pending WHERE (CAST(? AS TEXT) IS NULL OR workspace = ?) AND seq <= ?"
)


def append(db: Db, runs: Sequence[RunSeen]) -> None:
    if not runs:
        return
    (last,) = db.execute("SELECT coalesce(max(seq), 0) FROM history_pending").fetchone()
    # One row at a time: a first tick appends a run per workspace (50,000 in benchmark 2).
    db.conn.executemany(_PENDING_INSERT, (_pending(last + n, r) for n, r in enumerate(runs, 1)))


def _pending(seq: int, r: RunSeen) -> tuple[object, ...]:
    started, finished, synced = _seconds(r.started_at), _seconds(r.finished_at), r.last_sync
    where = (seq, r.id, r.workspace, r.run_id)
    return (
        *where,
        started,
        finished,
        r.outcome,
        r.fingerprint,
        r.message,
        int(r.fresh),
        _seconds(synced),
    )


# Times as POSIX seconds, not ISO text: they are only read back by the fold, and isoformat()
# was a fifth of appending a tick's runs. Microseconds survive the round trip.
def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def take(db: Db, workspace: str | None, after: int, limit: int) -> tuple[list[RunSeen], int]:
    """Up to `limit` pending runs (every workspace's: None) after place `after`, oldest first,
    and the last one's place. A row that does not read back as a run is logged and left out."""
    found = db.execute(_PENDING_SELECT, [workspace, workspace, after, limit]).fetchall()
    runs = []
    for _, id_, ws, run, start, end, outcome, mark, msg, fresh, synced in found:
        try:
            moments = (_moment(start), _moment(end), _moment(synced))
        except (TypeError, ValueError, OverflowError, OSError):
            log.warning("a pending run of %s could not be read; its history is not kept", ws)
            continue
        started, ended, last_sync = moments
        runs.append(
            RunSeen(
                id_, ws, run, started, ended, outcome, mark or "", msg, 1, bool(fresh), last_sync
            )
        )
    return runs, (found[-1][0] if found else after)


def forget(db: Db, workspace: str | None, last: int) -> None:
    """Drop what `take` gave up to place `last`, once folded (in the same transaction)."""
    db.execute(_PENDING_DELETE, [workspace, workspace, last])
