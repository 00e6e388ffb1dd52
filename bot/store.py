"""SQLite storage: the connection and the queries the rest of fsync uses (the schema is in
bot/migrations.py).

One connection per thread (SQLite connections must not be shared across threads), WAL mode so the
poller and the listeners do not block each other, and a busy timeout so a locked database is waited
on instead of failed. Past that timeout (or on a full disk, or any other sqlite error) the audit
log and the resolution claims raise StoreUnavailable, which says why in words a person can read.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.errors import FsyncError, StoreUnavailable
from bot.facts import Facts
from bot.migrations import migrations
from bot.times import now_iso

BUSY_TIMEOUT_MS = 10_000
PING_BUDGET = 0.5  # seconds /healthz may spend checking the database file


class StoreError(FsyncError):
    pass


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "the database is busy"
    if "full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    return "the database failed"


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    """sqlite errors leave as StoreUnavailable: the callers decide what a person is told."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise  # a constraint, not an unavailable database: callers that expect it catch it
    except sqlite3.Error as exc:
        reason = _reason(exc)
        raise StoreUnavailable(
            f"fsync's database did not answer ({reason}). Try again in a moment.", reason=reason
        ) from exc


def _quick_check(conn: sqlite3.Connection, *, deadline: float | None) -> str | None:
    """What `PRAGMA quick_check` finds wrong, or None. Past `deadline` it is stopped, and what
    it checked until then counts as sound: /healthz must answer quickly on a large file."""
    if deadline is not None:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    found = rows[0][0] if rows else "ok"
    return None if found == "ok" else str(found)


class Store:
    """Thread-safe access to the fsync database at `path` (":memory:" is not supported: tests
    use a temporary file so that several threads and processes see the same data)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._open_check()

    def _open_check(self) -> None:
        parent = self.path.parent
        if not parent.exists():
            raise StoreError(
                f"The database directory {parent} does not exist. Create it or set FSYNC_DB_PATH."
            )
        try:
            db = self.db
            damage = _quick_check(db.conn, deadline=None)
            if damage:
                raise sqlite3.DatabaseError(damage)
            # Replicas started at once on a new database take turns (the next one finds them
            # applied) instead of failing "database is locked" or "no such table: _write_probe".
            with self.transaction():
                migrations.apply(db)
                db.execute("CREATE TABLE IF NOT EXISTS _write_probe (x)")
                db.execute("DROP TABLE _write_probe")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"Cannot use the database {self.path}: {exc}. "
                "Check FSYNC_DB_PATH and its permissions."
            ) from exc
        except sqlite3.DatabaseError as exc:  # not an SQLite file, or a damaged one
            raise StoreError(
                f"The database {self.path} is damaged or not an SQLite database ({exc}). "
                "Move it away (or restore a backup) and start again, or set FSYNC_DB_PATH."
            ) from exc

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=True,
            )
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            deadline = time.monotonic() + self.busy_timeout
            while True:  # a new file's switch to WAL does not wait for a lock (no busy handler):
                try:  # replicas opening it at the same moment try again until one has switched it
                    conn.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            conn.execute("PRAGMA synchronous=NORMAL")
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE ... COMMIT: writers queue on the busy timeout instead of failing."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def impatient(self, busy_timeout: float) -> Iterator[sqlite_utils.Database]:
        """This thread's connection waiting at most `busy_timeout` s for a lock, for work on
        a path with a deadline of its own (acks: Slack's 3 s)."""
        db = self.db
        db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        try:
            yield db
        finally:
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")

    def ping(self, budget: float = PING_BUDGET) -> bool:
        """Whether the database file is usable now: there, an intact SQLite file with fsync's
        tables, and writable. Asked on a fresh connection, because a cached one goes on reading
        a file that was deleted or overwritten under it. The integrity check stops after
        `budget` seconds (what it read by then was sound); a write lock held by someone else
        counts as usable, since it is only busy."""
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=0.2)
        except sqlite3.Error:
            return False
        try:
            if _quick_check(conn, deadline=time.monotonic() + budget):
                return False
            conn.execute("SELECT count(*) FROM audit").fetchone()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
        except sqlite3.Error:
            return False
        finally:
            conn.close()
        return True

    # --- audit log -------------------------------------------------------------------------
    def audit(
        self,
        *,
        user_id: str,
        action: str,
        workspace: str | None,
        args: dict[str, Any],
        outcome: str,
        detail: str = "",
        at: datetime | None = None,
    ) -> int:
        """Add a row; its id. `at` is when it happened (a row written late keeps its time)."""
        with _unavailable_on_error():
            table = self.db.table("audit").insert(
                {
                    "at": now_iso() if at is None else at.isoformat(timespec="milliseconds"),
                    "user_id": user_id,
                    "action": action,
                    "workspace": workspace or "",
                    "args": json.dumps(args, sort_keys=True, default=str),
                    "outcome": outcome,
                    "detail": detail[:500],
                }
            )
            # An insert into a rowid table always sets it; sqlite-utils types it as optional.
            assert table.last_pk is not None
            return int(table.last_pk)

    def finish_audit(
        self, row_id: int, *, outcome: str, detail: str = "", args: dict[str, Any] | None = None
    ) -> None:
        """Record the outcome of the write an intent row (outcome "pending") announced."""
        row: dict[str, Any] = {"outcome": outcome, "detail": detail[:500]}
        if args is not None:
            row["args"] = json.dumps(args, sort_keys=True, default=str)
        with _unavailable_on_error():
            self.db.table("audit").update(row_id, row)

    def audit_entries(
        self, *, workspace: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        where, params = ("workspace = ?", [workspace]) if workspace else (None, [])
        rows = self.db.table("audit").rows_where(where, params, order_by="id desc", limit=limit)
        return [dict(row, args=json.loads(row["args"] or "{}")) for row in rows]

    def audit_since(
        self, workspace: str, since: datetime, actions: Sequence[str], *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The workspace's audit rows of these actions from `since` on, newest first."""
        marks = ",".join("?" * len(actions))
        rows = self.db.table("audit").rows_where(
            f"workspace = ? AND at >= ? AND action IN ({marks})",
            [workspace, since.astimezone(UTC).isoformat(timespec="milliseconds"), *actions],
            order_by="id desc",
            limit=limit,
        )
        return [dict(row, args=json.loads(row["args"] or "{}")) for row in rows]

    # --- conflict resolution claims ----------------------------------------------------------
    def claim_resolution(
        self, conflict_id: str, *, workspace: str, resolution: str, user_id: str
    ) -> dict[str, Any] | None:
        """Claim a conflict for one resolution. Returns None when claimed, else the existing row."""
        try:
            with _unavailable_on_error(), self.transaction() as db:
                db.table("resolutions").insert(
                    {
                        "conflict_id": conflict_id,
                        "workspace": workspace,
                        "resolution": resolution,
                        "user_id": user_id,
                        "at": now_iso(),
                        "state": "pending",
                    }
                )
        except sqlite3.IntegrityError:
            return self.resolution(conflict_id)
        return None

    def resolution(self, conflict_id: str) -> dict[str, Any] | None:
        rows = list(self.db.table("resolutions").rows_where("conflict_id = ?", [conflict_id]))
        return rows[0] if rows else None

    def finish_resolution(self, conflict_id: str, *, state: str = "done", **fields: Any) -> None:
        with _unavailable_on_error():
            self.db.table("resolutions").upsert(
                {"conflict_id": conflict_id, "state": state, **fields}, pk="conflict_id"
            )

    def release_resolution(self, conflict_id: str) -> None:
        with _unavailable_on_error():
            self.db.table("resolutions").delete_where(
                "conflict_id = ? AND state = 'pending'", [conflict_id]
            )

    def resolutions_since(self, start: str) -> list[tuple[str, str]]:
        """(resolution, at) of the conflicts resolved through fsync since `start` (iso text)."""
        rows = self.db.execute(
            "SELECT resolution, at FROM resolutions WHERE state = 'done' AND at >= ?", [start]
        ).fetchall()
        return [(str(resolution), str(at)) for resolution, at in rows]

    @property
    def facts(self) -> Facts:
        """The key/value facts, over this thread's connection."""
        return Facts(self.db)
