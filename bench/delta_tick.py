"""Benchmark 2's 1%-changed part: ticks whose listing is a changed_since answer ([ASSUMED]).

Run inside poll_tick's child after its full-listing ticks. As in bench/quiet_tick.py the
simulator's sync is switched off through PUT /config and the poller ticks until the listing
answers 304, so that what changes is exactly what the bench changes: before each measured tick
(not timed) about 1% of the fleet changes through /_sim. poll_tick runs it twice: with the
changes a fleet has between two polls (1% finishes a sync; 1 in 20 of those fails and as many
failures recover: poll_tick.syncs), which the budget is about, and with the full-listing ticks'
changes (half of the 1% fail, the other half recover: poll_tick.flip), an alert storm of 1%
whose routing costs the same however the listing was read. The tick (the changed_since
request, merging it into the held listing, the diff of the changed workspaces, the transaction)
is timed as in poll_tick and followed by the same floor: a plain GET of the whole listing plus
`json.loads`; the listing's own share (request, reading, merge: `SyncClient.list_workspaces`) is
timed apart. A tick that fell on the full listing every ten minutes (bot/alerts/quiet.py) is
counted apart, not left out. The runs a tick sees are appended to history and folded into it
every few minutes (bot/alerts/upkeep.py): after the ticks, that fold is timed on its own
(`fold_cost`) and its CPU shared out over the ticks whose runs it folded ("amortised").
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench import quiet_tick


def measure(
    poller: Any,
    lease: Any,
    client: Any,
    conn: Any,
    floor_client: httpx.Client,
    ticks: int,
    change: Callable[[], int],
) -> list[dict[str, Any]]:
    quiet_tick.settle(poller, lease, client, floor_client)
    listing_cpu = [0.0]
    real = client.list_workspaces

    def timed(**kw: Any) -> Any:  # the listing's share of the tick: request, reading, merge
        began = time.process_time()
        try:
            return real(**kw)
        finally:
            listing_cpu[0] += time.process_time() - began

    client.list_workspaces = timed
    rows: list[dict[str, Any]] = []
    for n in range(ticks):
        flipped = change()
        listing_cpu[0] = 0.0
        timed = quiet_tick.timed_tick(poller, lease, conn, floor_client)
        changes = client.last_changes
        rows.append(
            {
                "tick": n,
                "flipped": flipped,
                "delta": changes is not None,
                "changed": len(changes.workspaces) + len(changes.removed) if changes else None,
                "listing_cpu": listing_cpu[0],
                **timed,
            }
        )
    del client.list_workspaces  # the class's method again
    return rows


def fold_cost(poller: Any) -> dict[str, float]:
    """The fold the measured ticks left to do (bot/alerts/upkeep.py does it every FOLD_EVERY,
    after a tick): its CPU and how many runs it folded, to amortise over those ticks."""
    gc.collect()
    cpu = time.process_time()
    runs = poller.upkeep.fold()
    return {"cpu": time.process_time() - cpu, "runs": runs}
