"""Each alert table (and the kv table) is read and written by one module of bot/: SQL that names
it anywhere else (the composition root bot/wiring.py included) fails here. Read with `ast`: every
string in the code counts, docstrings do not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlite_utils

from bot.migrations import migrations

BOT = Path(__file__).resolve().parent.parent / "bot"

OWNERS = {
    "alert_snapshot": "bot.alerts.repo",
    "alert_episodes": "bot.alerts.repo",
    "alert_cards": "bot.alerts.repo",
    "alert_links": "bot.alerts.repo",
    "alert_outbox": "bot.alerts.outbox",
    "alert_routes": "bot.alerts.route_repo",
    "alert_channels": "bot.alerts.route_repo",
    "alert_mutes": "bot.alerts.route_repo",
    "alert_lease": "bot.alerts.lease",
    "kv": "bot.facts",
    # Issue 14: the requester told, owners called.
    "notify_prefs": "bot.core.requesters",
    "run_requests": "bot.core.requesters",
    "run_dms": "bot.core.requesters",
    "workspace_owners": "bot.core.owners",
    # Issue 15: what happened, kept for FSYNC_HISTORY_DAYS.
    "history_runs": "bot.alerts.history_repo",
    "history_episodes": "bot.alerts.history_repo",
    # Issue 16: a tick's runs, folded into history_runs a few minutes' worth at a time.
    "history_pending": "bot.alerts.history_pending",
    # Issue 15: scheduled digests.
    "digest_schedules": "bot.alerts.digest_repo",
}
SCHEMA = "bot.migrations"  # creates and changes every table: the one other place they are named
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|FROM|INTO|JOIN|TABLE)\b")


def _tables() -> set[str]:
    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    return {t for t in db.table_names() if t.startswith("alert_") or t in OWNERS}


def tables_in(source: str) -> set[str]:
    """The tables the SQL strings of `source` name (and sqlite-utils' db.table("name") calls)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docstrings:
            continue
        if node.value in OWNERS:
            found.add(node.value)
        elif SQL.search(node.value):
            found |= {t for t in OWNERS if re.search(rf"\b{t}\b", node.value)}
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_key_value_and_alert_table_has_one_owner() -> None:
    assert _tables() == set(OWNERS)


def test_sql_for_an_alert_table_is_only_in_its_owner() -> None:
    strays = {
        (module, table)
        for path in sorted(BOT.rglob("*.py"))
        if (module := _module(path)) != SCHEMA
        for table in tables_in(path.read_text())
        if OWNERS[table] != module
    }
    assert strays == set(), "SQL outside the module that owns the table: call a function of it"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('db.execute("DELETE FROM alert_channels WHERE channel = ?", [c])', {"alert_channels"}),
        ('f"SELECT {COLUMNS} FROM alert_outbox WHERE id IN (" "SELECT 1)"', {"alert_outbox"}),
        (
            'db.execute("SELECT l.card FROM alert_links l JOIN alert_cards c")',
            {"alert_links", "alert_cards"},
        ),
        ('db.table("kv").upsert({"key": k})', {"kv"}),
        ('def f():\n    """Writes SELECT rows FROM alert_lease."""', set()),
        ('log.info("kv and alert_mutes are tables")', set()),  # no SQL in it
    ],
)
def test_tables_in_finds_sql_not_prose(source: str, expected: set[str]) -> None:
    assert tables_in(source) == expected
