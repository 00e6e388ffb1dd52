"""The start-up fleet: eight hand-made workspaces plus N synthetic ones for load tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.simulator.model import WorkspaceState
from bot.simulator.scenarios import failure_message

MINUTE = 60
SYNTHETIC_INTERVALS = ("10m", "15m", "20m", "30m", "45m", "1h")
SYNTHETIC_FAILED_SHARE = 0.03


@dataclass(slots=True)
class Fleet:
    workspaces: list[WorkspaceState]
    # Workspaces that start with an open conflict; the engine opens them (it owns conflicts).
    conflicted: list[str] = field(default_factory=list)


def _hand_made(now: float) -> list[WorkspaceState]:
    # (name, interval, auto_apply, status, minutes since last sync)
    # Every next_sync is minutes away, so the default fleet sits still while a test runs.
    rows = (
        ("production", "10m", False, "success", 4),
        ("staging", "5m", True, "success", 1),
        ("dev", "5m", True, "success", 2),
        ("networking", "30m", False, "success", 10),
        ("data-platform", "15m", False, "success", 7),
        ("observability", "1h", True, "success", 25),
        ("billing-api", "10m", False, "failed", 5),
    )
    fleet = []
    for name, interval, auto_apply, status, ago in rows:
        ws = WorkspaceState(name=name, sync_interval=interval, auto_apply=auto_apply, status=status)
        ws.last_sync = now - ago * MINUTE
        ws.next_sync = ws.last_sync + ws.interval_s
        if status == "failed":
            ws.message = failure_message(0, name)
        fleet.append(ws)
    sandbox = WorkspaceState(
        name="sandbox",
        sync_interval="1h",
        enabled=False,
        status="disabled",
        resume_status="success",
    )
    sandbox.last_sync = now - 2 * 86400
    fleet.append(sandbox)
    return fleet


def _synthetic(now: float, count: int, seed: int) -> list[WorkspaceState]:
    rng = random.Random(seed)
    width = max(4, len(str(count)))
    fleet = []
    for number in range(1, count + 1):
        name = f"ws-{number:0{width}d}"
        ws = WorkspaceState(
            name=name,
            sync_interval=rng.choice(SYNTHETIC_INTERVALS),
            auto_apply=rng.random() < 0.5,
            status="success",
        )
        # Spread the phase over a whole interval so N workspaces never sync in one burst.
        ws.last_sync = now - rng.random() * ws.interval_s
        ws.next_sync = ws.last_sync + ws.interval_s
        if rng.random() < SYNTHETIC_FAILED_SHARE:
            ws.status = "failed"
            ws.message = failure_message(rng.randrange(100), name)
        fleet.append(ws)
    return fleet


def build_fleet(now: float, synthetic: int = 0, seed: int = 0) -> Fleet:
    return Fleet(
        workspaces=_hand_made(now) + _synthetic(now, synthetic, seed),
        conflicted=["networking"],
    )
