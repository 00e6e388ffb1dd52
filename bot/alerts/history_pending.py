"""Runs the poller saw, not yet folded into history (bot/alerts/history_repo.py `record` with
`defer`, and `fold`): appended in order, taken in order. The one module that reads and writes
history_pending (tests/test_sql_owners.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.alerts.history_rows import RunSeen
from bot.engine import Db

_PENDING_INSERT = (
    "INSERT INTO history_pending (seq, id, workspace, run_id, started_at, finished_at, outcome, "
    "fingerprint, message, fresh, recounted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Every workspace's pending runs (NULL), or one's; oldest first.
_PENDING_SELECT = (
    "SELECT seq, id, workspace, run_id, started_at, finished_at, outcome, fingerprint, message, "
    "fresh, recounted FROM history_pending WHERE (CAST(? AS TEXT) IS NULL OR workspace = ?) "
    "AND seq > ? ORDER BY seq LIMIT ?"
)
_PENDING_DELETE = "DELETE FROM history_pending WHERE (CAST(? AS TEXT) IS NULL OR workspace = ?)"


def append(db: Db, runs: Sequence[RunSeen]) -> None:
    if not runs:
        return
    (last,) = db.execute("SELECT coalesce(max(seq), 0) FROM history_pending").fetchone()
    # One row at a time: a first tick appends a run per workspace (50,000 in benchmark 2).
    db.conn.executemany(_PENDING_INSERT, (_pending(last + n, r) for n, r in enumerate(runs, 1)))


def _pending(seq: int, r: RunSeen) -> tuple[object, ...]:
    started, finished = _seconds(r.started_at), _seconds(r.finished_at)
    flags = (int(r.fresh), int(r.recounted))
    return (
        seq,
        r.id,
        r.workspace,
        r.run_id,
        started,
        finished,
        r.outcome,
        r.fingerprint,
        r.message,
        *flags,
    )


# Times as POSIX seconds, not ISO text: they are only read back by the fold, and isoformat()
# was a fifth of appending a tick's runs. Microseconds survive the round trip.
def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def take(db: Db, workspace: str | None, after: int, limit: int) -> tuple[list[RunSeen], int]:
    """Up to `limit` pending runs (every workspace's: None) after place `after`, oldest first,
    and the last one's place."""
    found = db.execute(_PENDING_SELECT, [workspace, workspace, after, limit]).fetchall()
    runs = [
        RunSeen(
            id_,
            ws,
            run,
            _moment(start),
            _moment(end),
            outcome,
            mark or "",
            msg,
            1,
            *map(bool, flags),
        )
        for _, id_, ws, run, start, end, outcome, mark, msg, *flags in found
    ]
    return runs, (found[-1][0] if found else after)


def forget(db: Db, workspace: str | None) -> None:
    """Drop what `take` gave, once folded (in the same writing transaction)."""
    db.execute(_PENDING_DELETE, [workspace, workspace])
