"""A workspace's history over a period, as data, for `/fsync history` (said by
bot/slack/history_view.py).

What the poller recorded (bot/alerts/history_repo.py) and what people did through fsync (the
audit log: resolutions, approvals and discards) are read here and summed up: the success rate
of the runs, the episodes and how long each lasted, the mean time to recovery, and how much of
each day the workspace was broken. Days are UTC days; today ends now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts import history_repo
from bot.alerts.history_rows import EpisodeSeen, RunSeen
from bot.core.authz import RoleAction
from bot.core.service import FsyncService
from bot.errors import StoreUnavailable
from bot.firestartr.names import validate_name
from bot.store import Store

# What counts as broken: an approval waits for a person, the Sync API's own trouble is not the
# workspace's.
BROKEN = frozenset({"failed", "conflict", "stalled"})
# What people did through fsync that belongs in a workspace's history.
TAKEN = (RoleAction.RESOLVE, RoleAction.APPROVE, RoleAction.DISCARD)
DAY = timedelta(days=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Day:
    start: datetime
    broken: float | None  # the share of the day (of today: so far) broken; None: not watched yet


@dataclass(frozen=True, slots=True)
class Taken:
    """A resolution, approval or discard taken through fsync, from its audit row."""

    at: datetime
    user: str
    action: str
    outcome: str  # ok | error | pending ... (refusals are left out)
    what: str  # the resolution chosen, or the run id


@dataclass(frozen=True)
class WorkspaceHistory:
    workspace: str
    days: int
    since: datetime
    now: datetime
    runs: list[RunSeen]  # the period's, oldest first
    episodes: list[EpisodeSeen]  # open at some moment of the period, oldest first
    taken: list[Taken]  # newest first
    timeline: list[Day]

    @property
    def finished(self) -> list[RunSeen]:
        return [r for r in self.runs if r.finished_at is not None]

    @property
    def finished_runs(self) -> int:
        """Runs that ended in the period (a row of successes in a row counts each)."""
        return sum(r.runs for r in self.finished)

    @property
    def success_rate(self) -> float | None:
        done = self.finished_runs
        ok = sum(r.runs for r in self.finished if r.outcome == "success")
        return ok / done if done else None

    @property
    def recoveries(self) -> list[timedelta]:
        """How long each broken episode that recovered within the period lasted."""
        return [
            e.closed_at - e.opened_at
            for e in self.episodes
            if e.kind in BROKEN and e.closed_how == "recovered" and e.closed_at is not None
        ]

    @property
    def mttr(self) -> timedelta | None:
        found = self.recoveries
        return sum(found, timedelta()) / len(found) if found else None


def period_start(now: datetime, days: int) -> datetime:
    """The start of the first of the `days` UTC days that end with today (today so far)."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - (days - 1) * DAY


def lasted(episode: EpisodeSeen, now: datetime) -> timedelta:
    return (episode.closed_at or now) - episode.opened_at


def timeline(
    episodes: Sequence[EpisodeSeen], now: datetime, days: int, watched_from: datetime | None
) -> list[Day]:
    """One Day per UTC day of the period, the last one today."""
    first = period_start(now, days)
    spans = [(e.opened_at, e.closed_at or now) for e in episodes if e.kind in BROKEN]
    found = []
    for n in range(days):
        start = first + n * DAY
        begin, end = max(start, watched_from or now), min(start + DAY, now)
        if watched_from is None or end <= begin:
            found.append(Day(start, None))
            continue
        broken = sum(
            (max(timedelta(), min(end, until) - max(begin, since)) for since, until in spans),
            timedelta(),
        )
        found.append(Day(start, min(1.0, broken / (end - begin))))
    return found


def broken_by_day(
    episodes: Sequence[EpisodeSeen], now: datetime, days: int
) -> dict[str, list[float]]:
    """Seconds each workspace was broken (failed, in conflict, stalled) on each UTC day of the
    last `days` days, today last: the input of the fleet's heat map (bot/slack/charts.py). An
    episode still open counts until `now`; an approval waits, it is not broken."""
    first = period_start(now, days)
    found: dict[str, list[float]] = {}
    for e in episodes:
        if e.kind not in BROKEN or e.workspace == "":
            continue
        since, until = max(e.opened_at, first), min(e.closed_at or now, now)
        row = found.setdefault(e.workspace, [0.0] * days)
        day = max(0, (since - first) // DAY)
        while since < until and day < days:
            end = min(until, first + (day + 1) * DAY)
            row[day] += max(0.0, (end - since).total_seconds())
            since, day = end, day + 1
    return found


def summarise(
    workspace: str,
    days: int,
    now: datetime,
    runs: list[RunSeen],
    episodes: list[EpisodeSeen],
    taken: list[Taken],
    watched_from: datetime | None,
) -> WorkspaceHistory:
    since = period_start(now, days)
    return WorkspaceHistory(
        workspace,
        days,
        since,
        now,
        runs,
        episodes,
        taken,
        timeline(episodes, now, days, watched_from),
    )


def _taken(row: dict[str, Any]) -> Taken:
    args = row.get("args") or {}
    what = str(args.get("resolution") or args.get("run_id") or "")
    at = datetime.fromisoformat(str(row["at"]))
    return Taken(at, str(row["user_id"]), str(row["action"]), str(row["outcome"]), what)


class HistoryService:
    def __init__(self, store: Store, service: FsyncService, clock: Callable[[], datetime]) -> None:
        self.store, self.service, self.clock = store, service, clock

    def history(self, workspace: str, days: int) -> WorkspaceHistory:
        """The workspace's last `days` days. A name history has never seen must be in the fleet
        (WorkspaceNotFound with the nearest names otherwise): a workspace gone from the fleet
        keeps its history."""
        validate_name(workspace)
        self._fold(workspace)
        db = self.store.db
        watched_from = history_repo.first_seen(db, workspace)
        if watched_from is None:
            self.service.existing(workspace)
        now = self.clock()
        since = period_start(now, days)
        rows = self.store.audit_since(workspace, since, [str(a) for a in TAKEN])
        return summarise(
            workspace,
            days,
            now,
            history_repo.runs(db, workspace, since),
            history_repo.episodes(db, workspace, since),
            [_taken(row) for row in rows if row["outcome"] != "denied"],
            watched_from,
        )

    def _fold(self, workspace: str) -> None:
        """The runs the poller appended and has not folded yet (bot/alerts/upkeep.py), this
        workspace's, folded now: what is read is then all of it. A database too busy for that
        now shows what was folded (at most FOLD_EVERY old) rather than nothing."""
        try:
            with self.store.transaction() as tx:
                history_repo.fold(tx, workspace)
        except StoreUnavailable as exc:
            log.warning("history of %s read without its last runs: %s", workspace, exc.reason)
