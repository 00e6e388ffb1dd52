"""The fleet copy (Facts.put_json, ~12 MB at 50,000 workspaces) leaves no copy of itself in SQLite:
a bound parameter used to stay in the cached statement until the next fleet copy (benchmark 2's
peak RSS)."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
from pathlib import Path

import pytest

from bot.store import Store

BIG = 8_000_000  # characters: what SQLite keeps shows plainly above its page cache


def _sqlite_memory_used() -> int:
    """Bytes SQLite's allocator holds, from the library Python's sqlite3 module uses."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        pytest.skip("no shared libsqlite3 to ask (Python's sqlite3 is linked in)")
    lib = ctypes.CDLL(name)
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return int(lib.sqlite3_memory_used())


def test_a_big_json_value_is_stored_read_back_and_not_kept_by_sqlite(tmp_path: Path) -> None:
    facts = Store(tmp_path / "fsync.db").facts
    facts.put_json("fleet", "[]")  # the statement is prepared and cached before measuring
    text = json.dumps([{"name": f"ws-{i:06d}", "message": "x" * 60} for i in range(BIG // 80)])
    before = _sqlite_memory_used()

    facts.put_json("fleet", text)

    kept = _sqlite_memory_used() - before
    found = facts.get("fleet")
    assert found is not None and len(found.value) == BIG // 80
    assert found.value[-1] == {"name": f"ws-{BIG // 80 - 1:06d}", "message": "x" * 60}
    assert kept < len(text) // 4, f"SQLite kept {kept / 1e6:.1f} MB after the write"


def test_put_json_replaces_the_value_each_time(tmp_path: Path) -> None:
    facts = Store(tmp_path / "fsync.db").facts
    for n in range(3):
        facts.put_json("fleet", json.dumps([{"name": f"ws-{n}"}]))
    facts.put_json("alerts.api", '{"failures": 0}')
    fleet, api = facts.get("fleet"), facts.get("alerts.api")
    assert fleet is not None and fleet.value == [{"name": "ws-2"}]
    assert api is not None and api.value == {"failures": 0}
