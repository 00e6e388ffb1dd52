"""Benchmark 2's unchanged-fleet part: ticks whose listing answers 304 (ETag / If-None-Match).

Run inside poll_tick's child after its changing ticks. The simulator's sync is switched off
through PUT /config (so scheduled syncs stop changing the fleet), the poller ticks until the
listing answers 304, then each measured tick is timed as in poll_tick and followed by the same
floor: a plain GET of the whole listing plus `json.loads`.
"""

from __future__ import annotations

import gc
import json
import time
from typing import Any

import httpx

from bench.procs import API

SETTLE_SECONDS = 60.0


def freeze(floor_client: httpx.Client) -> None:
    """Sync off for the whole fleet: no more scheduled runs, so the listing stops changing."""
    read = floor_client.get(f"{API}/config")
    read.raise_for_status()
    body = read.json()
    body["enabled"] = False
    put = floor_client.put(f"{API}/config", json=body, headers={"If-Match": read.headers["ETag"]})
    put.raise_for_status()


def settle(poller: Any, lease: Any, client: Any, floor_client: httpx.Client) -> None:
    """Sync off, then ticks (not timed) until the listing holds still."""
    freeze(floor_client)
    # The switch changes every workspace once, and runs already going still finish: wait (not
    # timed) until three ticks in a row answer 304.
    quiet_in_a_row, deadline = 0, time.monotonic() + SETTLE_SECONDS
    while quiet_in_a_row < 3 and time.monotonic() < deadline:
        lease.renew()
        poller.tick()
        quiet_in_a_row = quiet_in_a_row + 1 if client.last_unchanged else 0
        time.sleep(0.2)


def measure(
    poller: Any, lease: Any, client: Any, conn: Any, floor_client: httpx.Client, ticks: int
) -> list[dict[str, Any]]:
    settle(poller, lease, client, floor_client)
    rows: list[dict[str, Any]] = []
    for n in range(ticks):
        timed = timed_tick(poller, lease, conn, floor_client)
        rows.append({"tick": n, "unchanged": client.last_unchanged, **timed})
    return rows


def timed_tick(poller: Any, lease: Any, conn: Any, floor_client: httpx.Client) -> dict[str, Any]:
    """One `Poller.tick()` (CPU, wall, SQLite rows written), then the floor measured right after
    it: a plain GET of the whole listing plus `json.loads`."""
    lease.renew()
    gc.collect()
    writes, cpu, wall = conn.total_changes, time.process_time(), time.perf_counter()
    poller.tick()
    tick_cpu, tick_wall = time.process_time() - cpu, time.perf_counter() - wall
    writes = conn.total_changes - writes
    cpu, wall = time.process_time(), time.perf_counter()
    json.loads(floor_client.get(f"{API}/workspaces").content)
    floor_cpu, floor_wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "cpu": tick_cpu,
        "wall": tick_wall,
        "writes": writes,
        "floor_cpu": floor_cpu,
        "floor_wall": floor_wall,
    }
