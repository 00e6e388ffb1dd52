"""Facts derived from a fleet listing: health classes, ordering, staleness. Pure functions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.durations import interval_seconds
from bot.firestartr.models import Workspace

# Display order: problems first, then work in progress, then the rest.
ORDER = {"failed": 0, "conflict": 1, "stalled": 2, "queued": 3, "running": 3}
HEALTHY = {"success", "never_synced", "disabled"}
TALLY_ORDER = ("failed", "conflict", "stalled", "running", "queued", "success")
STALL_FLOOR = timedelta(minutes=10)


def is_stalled(ws: Workspace, now: datetime) -> bool:
    """An enabled workspace whose next sync is more than max(2 intervals, 10 min) overdue."""
    if (
        not ws.sync_enabled
        or ws.next_sync is None
        or ws.status in ("queued", "running", "disabled")
    ):
        return False
    overdue = now - ws.next_sync
    # The grace is never under the floor: this one comparison settles almost every workspace,
    # which matters when a 10,000-workspace view asks three times each (benchmark 5).
    if overdue <= STALL_FLOOR:
        return False
    interval = interval_seconds(ws.sync_interval) or 0
    return overdue > max(timedelta(seconds=2 * interval), STALL_FLOOR)


def health(ws: Workspace, now: datetime) -> str:
    """The status shown to people: the API's status, or `stalled` when overdue."""
    if ws.status in ("failed", "conflict"):
        return ws.status
    if is_stalled(ws, now):
        return "stalled"
    return ws.status


def sort_key(ws: Workspace, now: datetime) -> tuple[int, str]:
    state = health(ws, now)
    rank = ORDER.get(state, 5 if state in HEALTHY else 4)
    return rank, ws.name


def ordered(workspaces: list[Workspace], now: datetime) -> list[Workspace]:
    return sorted(workspaces, key=lambda ws: sort_key(ws, now))


def tally(workspaces: list[Workspace], now: datetime) -> list[tuple[str, int]]:
    """(state, how many workspaces are in it), problems first: the one count the status overview
    and the Home tab both show. States fsync does not know yet come last, by name."""
    found = Counter(health(ws, now) for ws in workspaces)
    states = [s for s in TALLY_ORDER if found[s]] + sorted(set(found) - set(TALLY_ORDER))
    return [(state, found[state]) for state in states]


def is_problem(ws: Workspace, now: datetime) -> bool:
    return health(ws, now) in ("failed", "conflict", "stalled")


@dataclass(frozen=True)
class FleetView:
    """What commands show: the workspaces, when they were read, and whether that is live."""

    workspaces: list[Workspace]
    fetched_at: datetime
    live: bool
    error: str | None = None

    def find(self, name: str) -> Workspace | None:
        return next((ws for ws in self.workspaces if ws.name == name), None)
