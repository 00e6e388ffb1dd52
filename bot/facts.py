"""The `kv` table: small facts fsync keeps by key, stored as JSON (bot/store.py holds the rest)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from bot.engine import Db
from bot.sql import replace_into
from bot.times import now_iso


class Fact(NamedTuple):
    value: Any
    updated_at: datetime


class Facts:
    """The `kv` table, fsync's one key/value table: small facts stored as JSON by key (the last
    fleet listing for commands while the API is down; the Sync API's health as the alerts saw it,
    under "alerts.api"). Over the connection it is given, so that a write inside a transaction
    belongs to it."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def get(self, key: str) -> Fact | None:
        row = self.db.execute("SELECT value, updated_at FROM kv WHERE key = ?", [key]).fetchone()
        if row is None:
            return None
        return Fact(json.loads(row[0]), datetime.fromisoformat(row[1]))

    def put(self, key: str, value: Any) -> None:
        self.db.execute(
            replace_into("kv", "key, value, updated_at", "key"),
            [key, json.dumps(value, default=str), now_iso()],
        )

    def put_json(self, key: str, text: str) -> None:
        """Store a value already written as JSON text (read back by `get` as any other)."""
        self.db.execute(replace_into("kv", "key, value, updated_at", "key"), [key, text, now_iso()])

    def delete(self, key: str) -> None:
        self.db.execute("DELETE FROM kv WHERE key = ?", [key])
