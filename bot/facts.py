"""The `kv` table: small facts fsync keeps by key, stored as JSON (bot/store.py holds the rest)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from bot.engine import Db
from bot.sql import replace_into
from bot.sqlite_lib import sqlite_utils
from bot.times import now_iso

_VALUE = "fsync_kv_value"  # put_json's value on SQLite
_PUT_FROM_VALUE = (
    "INSERT INTO kv (key, value, updated_at) VALUES (?, fsync_kv_value(), ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)


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
        db = self.db
        if not isinstance(db, sqlite_utils.Database):
            db.execute(replace_into("kv", "key, value, updated_at", "key"), [key, text, now_iso()])
            return
        # SQLite keeps a copy of each bound parameter until its statement, which Python's sqlite3
        # caches, next runs: the fleet copy (12 MB at 50,000 workspaces) stayed allocated through
        # the rest of the poller's tick and until the next copy (bench/poll_tick: peak RSS). A
        # function's result is released when the statement ends. The function takes the text
        # out of its box, so the connection keeps no reference to it either.
        box = [text]
        del text  # (the caller's reference went with the call: the box's is the last)
        db.conn.create_function(_VALUE, 0, box.pop)
        db.execute(_PUT_FROM_VALUE, [key, now_iso()])

    def delete(self, key: str) -> None:
        self.db.execute("DELETE FROM kv WHERE key = ?", [key])
