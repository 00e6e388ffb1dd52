"""Storage: the queries the rest of fsync uses, on SQLite or PostgreSQL (bot/engine.py opens
the database; the schema is in bot/migrations.py).

Past the busy timeout (or on a full disk, or any other database error) the audit log and the
resolution claims raise StoreUnavailable, which says why in words a person can read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.engine import Engine, StoreError, integrity_errors, unavailable_on_error
from bot.facts import Facts
from bot.times import now_iso

__all__ = ["Store", "StoreError"]

_AUDIT_COLUMNS = "id, at, user_id, action, workspace, args, outcome, detail"
_RESOLUTION_COLUMNS = "conflict_id, workspace, resolution, user_id, at, state"


def _audit_row(row: Sequence[Any]) -> dict[str, Any]:
    found = dict(zip(_AUDIT_COLUMNS.split(", "), row, strict=True))
    return dict(found, args=json.loads(found["args"] or "{}"))


class Store(Engine):
    """The database, and the audit log and resolution claims kept in it."""

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
        with unavailable_on_error():
            (row_id,) = self.db.execute(
                "INSERT INTO audit (at, user_id, action, workspace, args, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    now_iso() if at is None else at.isoformat(timespec="milliseconds"),
                    user_id,
                    action,
                    workspace or "",
                    json.dumps(args, sort_keys=True, default=str),
                    outcome,
                    detail[:500],
                ],
            ).fetchone()
            return int(row_id)

    def finish_audit(
        self, row_id: int, *, outcome: str, detail: str = "", args: dict[str, Any] | None = None
    ) -> None:
        """Record the outcome of the write an intent row (outcome "pending") announced."""
        sets, values = "outcome = ?, detail = ?", [outcome, detail[:500]]
        if args is not None:
            sets, values = (
                sets + ", args = ?",
                [*values, json.dumps(args, sort_keys=True, default=str)],
            )
        with unavailable_on_error():
            self.db.execute(f"UPDATE audit SET {sets} WHERE id = ?", [*values, row_id])  # noqa: S608

    def audit_entries(
        self, *, workspace: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        where, params = ("WHERE workspace = ?", [workspace]) if workspace else ("", [])
        rows = self.db.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
            [*params, limit],
        ).fetchall()
        return [_audit_row(row) for row in rows]

    def audit_since(
        self, workspace: str, since: datetime, actions: Sequence[str], *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The workspace's audit rows of these actions from `since` on, newest first."""
        marks = ",".join("?" * len(actions))
        rows = self.db.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit "  # noqa: S608
            f"WHERE workspace = ? AND at >= ? AND action IN ({marks}) ORDER BY id DESC LIMIT ?",
            [workspace, since.astimezone(UTC).isoformat(timespec="milliseconds"), *actions, limit],
        ).fetchall()
        return [_audit_row(row) for row in rows]

    # --- conflict resolution claims ----------------------------------------------------------
    def claim_resolution(
        self, conflict_id: str, *, workspace: str, resolution: str, user_id: str
    ) -> dict[str, Any] | None:
        """Claim a conflict for one resolution. Returns None when claimed, else the existing row."""
        try:
            with unavailable_on_error(), self.transaction() as db:
                db.execute(
                    f"INSERT INTO resolutions ({_RESOLUTION_COLUMNS}) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?, 'pending')",
                    [conflict_id, workspace, resolution, user_id, now_iso()],
                )
        except integrity_errors():
            return self.resolution(conflict_id)
        return None

    def resolution(self, conflict_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            f"SELECT {_RESOLUTION_COLUMNS} FROM resolutions WHERE conflict_id = ?",  # noqa: S608
            [conflict_id],
        ).fetchone()
        return None if row is None else dict(zip(_RESOLUTION_COLUMNS.split(", "), row, strict=True))

    def finish_resolution(self, conflict_id: str, *, state: str = "done", **fields: Any) -> None:
        row = {"conflict_id": conflict_id, "state": state, **fields}
        unknown = set(row) - set(_RESOLUTION_COLUMNS.split(", "))
        if unknown:
            raise ValueError(f"not a column of resolutions: {sorted(unknown)}")
        names = ", ".join(row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "conflict_id")
        with unavailable_on_error():
            self.db.execute(
                f"INSERT INTO resolutions ({names}) VALUES ({', '.join('?' * len(row))}) "  # noqa: S608
                f"ON CONFLICT (conflict_id) DO UPDATE SET {updates}",
                list(row.values()),
            )

    def release_resolution(self, conflict_id: str) -> None:
        with unavailable_on_error():
            self.db.execute(
                "DELETE FROM resolutions WHERE conflict_id = ? AND state = 'pending'", [conflict_id]
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
