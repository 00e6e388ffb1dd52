"""The requester told: who started which run through fsync, whether they want a DM when it ends,
and which DMs were sent. The one module that reads and writes `notify_prefs`, `run_requests`
and `run_dms` (bot/migrations.py makes them).

A run is remembered when fsync starts following it, so a restarted fsync follows it again
(`unfinished`) and still tells its requester. A DM is sent only by whoever claims its
`run_dms` row first (`claim`): a second follower, a restart, a retry find it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine import integrity_errors
from bot.sql import insert_new, replace_into
from bot.store import Store
from bot.times import now_iso, utcnow

FINAL = "final"  # the run ended
WAITING = "waiting"  # the run waits for someone (a plan to approve)


@dataclass(frozen=True)
class RunRequest:
    run_id: str
    workspace: str
    user_id: str
    asked_in: str | None  # the channel the request came from
    channel: str | None  # where its card is, when fsync posted it there
    ts: str | None


class Requesters:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- the setting ---------------------------------------------------------------------------
    def wants_dms(self, user_id: str) -> bool:
        row = self.store.db.execute(
            "SELECT dms FROM notify_prefs WHERE user_id = ?", [user_id]
        ).fetchone()
        return True if row is None else bool(row[0])

    def set_dms(self, user_id: str, on: bool) -> None:
        self.store.db.execute(
            replace_into("notify_prefs", "user_id, dms, updated_at", "user_id"),
            [user_id, int(on), now_iso()],
        )

    # --- runs ----------------------------------------------------------------------------------
    def remember(self, request: RunRequest) -> None:
        self.store.db.execute(
            insert_new(
                "run_requests",
                "run_id, workspace, user_id, asked_in, channel, ts, created_at, done",
            ),
            [
                request.run_id,
                request.workspace,
                request.user_id,
                request.asked_in,
                request.channel,
                request.ts,
                now_iso(),
                0,
            ],
        )

    def done(self, run_id: str) -> None:
        """Nothing more to follow: a restart leaves it alone."""
        self.store.db.execute("UPDATE run_requests SET done = 1 WHERE run_id = ?", [run_id])

    def unfinished(self, within: timedelta, now: datetime | None = None) -> list[RunRequest]:
        """Runs still followed when fsync stopped, started less than `within` ago."""
        since = ((now or utcnow()) - within).isoformat(timespec="milliseconds")
        rows = self.store.db.execute(
            "SELECT run_id, workspace, user_id, asked_in, channel, ts FROM run_requests "
            "WHERE done = 0 AND created_at >= ? ORDER BY created_at",
            [since],
        ).fetchall()
        return [RunRequest(*row) for row in rows]

    # --- DMs -----------------------------------------------------------------------------------
    def claim(self, run_id: str, phase: str) -> bool:
        """True for exactly one caller per (run, phase), ever: that one sends the DM."""
        try:
            self.store.db.execute(
                "INSERT INTO run_dms (run_id, phase, status, at) VALUES (?, ?, 'sending', ?)",
                [run_id, phase, now_iso()],
            )
        except integrity_errors():
            return False
        return True

    def sent(self, run_id: str, phase: str, status: str) -> None:
        """How the claimed DM went: `sent`, `off` (the person turned DMs off), or Slack's error."""
        self.store.db.execute(
            "UPDATE run_dms SET status = ?, at = ? WHERE run_id = ? AND phase = ?",
            [status, now_iso(), run_id, phase],
        )

    def dm_status(self, run_id: str, phase: str = FINAL) -> str | None:
        row = self.store.db.execute(
            "SELECT status FROM run_dms WHERE run_id = ? AND phase = ?", [run_id, phase]
        ).fetchone()
        return None if row is None else str(row[0])
