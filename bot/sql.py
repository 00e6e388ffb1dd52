"""SQL text that SQLite and PostgreSQL both read the same way, for the statements where the
two dialects' own shorthands differ (SQLite's INSERT OR REPLACE / INSERT OR IGNORE)."""

from __future__ import annotations

from typing import Any


def _insert(table: str, columns: str) -> str:
    marks = ", ".join("?" for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608


def replace_into(table: str, columns: str, key: str) -> str:
    """An insert that overwrites the row with the same `key` (comma-separated columns): every
    column is given, so the row ends as INSERT OR REPLACE would leave it. `?` per column."""
    keys = {k.strip() for k in key.split(",")}
    names = [c.strip() for c in columns.split(",")]
    updates = ", ".join(f"{c} = excluded.{c}" for c in names if c not in keys)
    return f"{_insert(table, columns)} ON CONFLICT ({key}) DO UPDATE SET {updates}"


def insert_new(table: str, columns: str) -> str:
    """An insert that does nothing when a row with the same key (or unique index) is there:
    its rowcount says which happened. `?` per column."""
    return f"{_insert(table, columns)} ON CONFLICT DO NOTHING"


def row_lock(db: Any) -> str:
    """` FOR UPDATE SKIP LOCKED` on PostgreSQL (rows another transaction holds are passed over);
    nothing on SQLite, where a writing transaction already has the whole database."""
    return " FOR UPDATE SKIP LOCKED" if getattr(db, "dialect", "") == "postgresql" else ""
