"""When a poll may skip its diff: the listing answered 304 and nothing due by the clock alone.

An unchanged listing ([ASSUMED] ETag / 304, docs/firestartr-sync-api.md endpoint 1) means no
workspace changed, so the diff could only find what time alone brings: a stall (a next sync
overdue). The moment the next one can begin is worked out on each full diff; until then an
unchanged tick costs no parsing and no diff. Every FULL_EVERY the poller asks without the tag,
so anything a server's tag missed is caught within ten minutes. A changed_since answer
(bot/firestartr/cursor.py) is diffed alone on the same terms: unless a stall is due by then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.durations import interval_seconds
from bot.core.fleet import STALL_FLOOR
from bot.firestartr.models import Workspace

FULL_EVERY = timedelta(seconds=600)
_NEVER_STALLED = ("queued", "running", "disabled")


def next_stall(fleet: Iterable[Workspace], now: datetime) -> datetime | None:
    """The first moment after `now` that a workspace of `fleet` turns stalled (is_stalled)."""
    # Runs on every diffed listing, so one or two comparisons a workspace: the earliest next
    # sync per interval string, the grace added once per interval at the end (a regex and a
    # timedelta for each workspace cost 40 ms at 10,000).
    floors: dict[str | None, datetime] = {}  # interval -> next syncs after this are not stalled
    earliest: dict[str | None, datetime] = {}
    for ws in fleet:
        due = ws.next_sync
        if due is None or not ws.sync_enabled or ws.status in _NEVER_STALLED:
            continue
        interval = ws.sync_interval
        floor = floors.get(interval)
        if floor is None:
            floor = floors[interval] = now - _grace(interval)
        if due > floor:
            best = earliest.get(interval)
            if best is None or due < best:
                earliest[interval] = due
    return min((due + _grace(i) for i, due in earliest.items()), default=None)


def _grace(interval: str | None) -> timedelta:
    return max(timedelta(seconds=2 * (interval_seconds(interval) or 0)), STALL_FLOOR)


class Quiet:
    def __init__(self) -> None:
        self.full_at: datetime | None = None  # the last listing asked for without the tag
        self.wake_at: datetime | None = None  # next_stall() of the last diffed listing

    def want_full(self, now: datetime) -> bool:
        return self.full_at is None or now - self.full_at >= FULL_EVERY

    def diffed(self, fleet: list[Workspace], now: datetime, *, full: bool) -> None:
        if full:
            self.full_at = now
        self.wake_at = next_stall(fleet, now)

    def diffed_some(self, changed: list[Workspace], now: datetime) -> None:
        """Only `changed` was diffed (changed_since): the others' next stall is where it was,
        and one of these may now come sooner. (One that moved later leaves an early wake-up: a
        whole diff that finds nothing, never a stall found late.)"""
        soonest = next_stall(changed, now)
        if soonest is not None and (self.wake_at is None or soonest < self.wake_at):
            self.wake_at = soonest

    def stall_due(self, now: datetime) -> bool:
        """A workspace may have stalled by the clock alone: the whole listing needs a diff."""
        return self.wake_at is not None and now >= self.wake_at

    def skip(self, unchanged: bool, now: datetime) -> bool:
        return unchanged and not self.stall_due(now)
