"""The outbox table: alerts waiting for Slack, and every change of their state.

A row's life: `pending` -> claimed (`sending`, by one lease holder, until `claimed_until`) ->
`sent` (with Slack's ts), or back to `pending` with a later `next_at`, or finished as `failed`,
`skipped` (a newer edit of the same card follows) or `undeliverable` (its channel is gone).
The default channel's alerts are never made undeliverable: while it is gone they stay `pending`
(see sender.py).
Rows recorded `muted` or `undeliverable` by the router are never sent.

Every state change is one short writing transaction (`store.transaction()`: SQLite's BEGIN
IMMEDIATE, or PostgreSQL's writer lock; a claim on PostgreSQL locks its row FOR UPDATE SKIP
LOCKED instead). Claiming also checks the lease, so only the lease holder sends, and a row
claimed by a process that died is taken over only after its claim (longer than any Slack
request) has run out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alerts import repo, route_repo
from bot.alerts.lease import Lease
from bot.alerts.model import Delivery, DeliveryOp
from bot.engine import Db
from bot.sql import insert_new, row_lock
from bot.store import Store
from bot.times import iso, now_iso


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    key: str
    channel: str
    op: DeliveryOp
    card: str | None
    payload: dict[str, Any]
    state: str
    attempts: int  # before this claim
    next_at: float
    ambiguous: bool  # an earlier attempt may have reached Slack
    claimed_until: float | None
    created_at: str

    @property
    def maybe_posted(self) -> bool:
        """A post or reply that may already be in Slack: look before posting it again."""
        return self.op != DeliveryOp.UPDATE and (self.ambiguous or self.state == "sending")


_COLUMNS = (
    "id, key, channel, op, card, payload, state, attempts, next_at, ambiguous, claimed_until, "
    "created_at"
)


def _row(raw: Sequence[Any]) -> Row:
    values = list(raw)
    values[3] = DeliveryOp(values[3])
    values[5] = json.loads(values[5])
    values[9] = bool(values[9])
    return Row(*values)


class Outbox:
    def __init__(self, store: Store, lease: Lease) -> None:
        self.store, self.lease = store, lease

    def heads(self) -> list[Row]:
        """The first unfinished row of each channel: a channel's alerts go out in order."""
        rows = self.store.db.execute(
            f"SELECT {_COLUMNS} FROM alert_outbox WHERE id IN ("  # noqa: S608
            "SELECT MIN(id) FROM alert_outbox WHERE state IN ('pending', 'sending') "
            "GROUP BY channel) ORDER BY next_at, id"
        ).fetchall()
        return [_row(raw) for raw in rows]

    def claim(self, row: Row, now: float, until: float) -> bool:
        """Take the row for one attempt, if still ours to take and the lease is still ours.
        On PostgreSQL the row is locked FOR UPDATE SKIP LOCKED instead of behind the writer
        lock: a row another replica is claiming at this instant is passed over, not waited on."""
        with self.store.transaction(writer=False) as db:
            if not self.lease.check(db):
                return False
            cursor = db.execute(
                "UPDATE alert_outbox SET state = 'sending', claimed_by = ?, claimed_until = ?, "  # noqa: S608
                "attempts = attempts + 1, "
                "ambiguous = CASE WHEN state = 'sending' THEN 1 ELSE ambiguous END "
                "WHERE id = (SELECT id FROM alert_outbox WHERE id = ? AND (state = 'pending' "
                f"OR (state = 'sending' AND claimed_until < ?)){row_lock(db)})",
                [self.lease.holder, until, row.id, now],
            )
            return bool(cursor.rowcount == 1)

    def release(
        self, row: Row, *, next_at: float, error: str, count: bool = True, ambiguous: bool = False
    ) -> None:
        """Back to pending, to be tried again at `next_at` (`count`: as a failed attempt)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE alert_outbox SET state = 'pending', claimed_by = NULL, next_at = ?, "
                "error = ?, ambiguous = CASE WHEN ? = 1 THEN 1 ELSE ambiguous END, "
                "attempts = attempts - ? WHERE id = ? AND claimed_by = ?",
                [next_at, error, ambiguous, 0 if count else 1, row.id, self.lease.holder],
            )

    def sent(self, row: Row, ts: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE alert_outbox SET state = 'sent', ts = ?, sent_at = ?, error = NULL, "
                "claimed_by = NULL WHERE id = ?",
                [ts, now_iso(), row.id],
            )
            if row.op == DeliveryOp.POST and row.card:
                repo.card_posted(db, row.card, ts)

    def finish(self, row: Row, state: str, error: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE alert_outbox SET state = ?, error = ?, claimed_by = NULL WHERE id = ?",
                [state, error, row.id],
            )

    def disable(self, channel: str, error: str, notices: Sequence[Delivery]) -> None:
        """The channel is gone: routes off, its queued alerts kept as undeliverable, notices out."""
        with self.store.transaction() as db:
            route_repo.disable_channel(db, channel, error)
            db.execute(
                "UPDATE alert_outbox SET state = 'undeliverable', error = ?, claimed_by = NULL "
                "WHERE channel = ? AND state IN ('pending', 'sending')",
                [error, channel],
            )
            enqueue(db, notices)

    def hold(self, row: Row, error: str, *, next_at: float, notices: Sequence[Delivery]) -> None:
        """The default channel is gone for now: marked off (so the panels say so), `row` back to
        pending until `next_at` (not counted as an attempt), its queued alerts left waiting."""
        with self.store.transaction() as db:
            route_repo.disable_channel(db, row.channel, error, keep_earlier=True)
            db.execute(
                "UPDATE alert_outbox SET state = 'pending', claimed_by = NULL, next_at = ?, "
                "error = ?, attempts = attempts - 1 WHERE id = ? AND claimed_by = ?",
                [next_at, error, row.id, self.lease.holder],
            )
            enqueue(db, notices)

    def enable(self, channel: str) -> bool:
        """The channel took a message: its routes are on again. True if they had been off."""
        if channel not in self.disabled():
            return False
        with self.store.transaction() as db:
            return route_repo.enable_channel(db, channel)

    def card_ts(self, card: str | None) -> str | None:
        if not card:
            return None
        return repo.card_ts(self.store.db, card)

    def superseded(self, row: Row) -> bool:
        """An edit with a newer edit of the same card queued behind it: only the last matters."""
        found = self.store.db.execute(
            "SELECT 1 FROM alert_outbox WHERE card = ? AND op = ? AND id > ? "
            "AND state = 'pending' LIMIT 1",
            [row.card, DeliveryOp.UPDATE, row.id],
        ).fetchone()
        return found is not None

    def disabled(self) -> dict[str, str]:
        return route_repo.disabled_channels(self.store.db)


# --- the table outside one row's life: queueing, counting, forgetting ----------------------------
def enqueue(db: Db, deliveries: Iterable[Delivery]) -> None:
    """Queue deliveries; a key already queued (the same alert computed twice) is ignored."""
    now = now_iso()
    db.conn.executemany(
        insert_new(
            "alert_outbox", "key, channel, op, card, payload, state, kind, episode, created_at"
        ),
        [
            (
                d.key,
                d.channel,
                d.op,
                d.card,
                json.dumps(d.payload, separators=(",", ":")),
                d.state,
                d.kind,
                d.episode,
                now,
            )
            for d in deliveries
        ],
    )


def unsent(db: Db) -> int:
    """Deliveries not in Slack yet: waiting, or being sent."""
    found = db.execute(
        "SELECT COUNT(*) FROM alert_outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()
    return int(found[0])


def backlog(db: Db, now: float) -> tuple[int, float | None]:
    """Deliveries not in Slack yet, and how many seconds the oldest of them has waited."""
    count, oldest = db.execute(
        "SELECT COUNT(*), MIN(created_at) FROM alert_outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()
    if not oldest:
        return int(count), None
    return int(count), max(0.0, now - datetime.fromisoformat(oldest).timestamp())


def prune(db: Db, before: datetime) -> None:
    """Forget delivered (or finished) alerts queued before `before`."""
    db.execute(
        "DELETE FROM alert_outbox WHERE state NOT IN ('pending', 'sending') AND created_at < ?",
        [iso(before)],
    )


def queued(db: Db, key: str) -> bool:
    """Whether a delivery with this key was ever queued (and not pruned yet)."""
    return (
        db.execute("SELECT 1 FROM alert_outbox WHERE key = ? LIMIT 1", [key]).fetchone() is not None
    )
