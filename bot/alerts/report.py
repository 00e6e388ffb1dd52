"""The fleet's report for a period, as data: `/fsync report` and the scheduled digests show it
(bot/slack/report_views.py draws it).

It reads what fsync keeps: the last poll (the fleet now), the episodes (failures, conflicts,
stalls and waiting approvals, each from first news to recovery), the mutes, and the conflicts
resolved through fsync. Episodes come from the alert pipeline's table (the last 14 days, the
current word on each) and, further back, from history (bot/alerts/history_repo.py, kept for
FSYNC_HISTORY_DAYS); a report reaching past what is kept says so (`complete`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts import history_repo, repo, route_repo
from bot.alerts.fingerprint import fingerprint
from bot.alerts.history_rows import EpisodeSeen
from bot.alerts.model import Episode, EventKind, Mute
from bot.alerts.upkeep import KEEP
from bot.engine import Db
from bot.store import Store
from bot.times import iso, utcnow

FLAPPING = 3  # episodes in one period that make a workspace "flap"
TOP = 5  # errors, conflicts and approvals listed by name; the rest are counted
MUTE_SOON = timedelta(days=1)
PROBLEMS = (EventKind.FAILED, EventKind.CONFLICT, EventKind.STALLED, EventKind.API)


@dataclass(frozen=True)
class ErrorGroup:
    fingerprint: str
    count: int
    example: str  # one real message of the group, as the API sent it
    workspace: str  # where that example was seen


@dataclass(frozen=True)
class Waiting:
    workspace: str
    since: datetime


@dataclass(frozen=True)
class Period:
    """What happened in one period: counted the same way for this one and the one before."""

    failures: int = 0  # failure episodes opened
    stalls: int = 0
    conflicts: int = 0  # conflict episodes opened
    outages: int = 0  # the Sync API itself unreachable
    recoveries: tuple[timedelta, ...] = ()  # how long each episode closed in the period lasted
    broken: timedelta = timedelta(0)  # time workspaces spent broken, within the period

    @property
    def mean_recovery(self) -> timedelta | None:
        if not self.recoveries:
            return None
        return sum(self.recoveries, timedelta(0)) / len(self.recoveries)


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    fleet: tuple[tuple[str, int], ...]  # (status, workspaces) now, problems first
    now: Period
    before: Period  # the period of the same length just before
    complete: bool  # False: part of the comparison is older than what fsync keeps
    kept_days: int  # how many days of episodes fsync keeps (FSYNC_HISTORY_DAYS)
    worst: tuple[str, timedelta] | None  # the longest recovery in the period
    resolved: tuple[tuple[str, int], ...]  # conflicts resolved through fsync, by resolution
    flapping: tuple[tuple[str, int], ...]  # (workspace, episodes), most first
    errors: tuple[ErrorGroup, ...]
    oldest_conflicts: tuple[Waiting, ...]
    open_conflicts: int
    approvals: tuple[Waiting, ...]
    waiting_approvals: int
    mutes_ending: tuple[Mute, ...]

    @property
    def quiet(self) -> bool:
        """Nothing to report: no problem in the period, none open, no one waiting."""
        p = self.now
        return not (p.failures or p.stalls or p.conflicts or p.outages or p.recoveries) and not (
            self.open_conflicts or self.waiting_approvals or p.broken
        )


def _period(episodes: Iterable[Episode], start: datetime, end: datetime) -> Period:
    opened: Counter[str] = Counter()
    recoveries, broken = [], timedelta(0)
    for ep in episodes:
        if ep.kind == EventKind.APPROVAL:
            continue  # a plan waiting for a yes is not the fleet being broken
        if start <= ep.opened_at < end:
            opened[ep.kind] += 1
        if ep.closed_at is not None and start <= ep.closed_at < end:
            recoveries.append(ep.closed_at - ep.opened_at)
        overlap = min(ep.closed_at or end, end) - max(ep.opened_at, start)
        broken += max(overlap, timedelta(0))
    return Period(
        failures=opened[EventKind.FAILED],
        stalls=opened[EventKind.STALLED],
        conflicts=opened[EventKind.CONFLICT],
        outages=opened[EventKind.API],
        recoveries=tuple(recoveries),
        broken=broken,
    )


def _errors(episodes: Iterable[Episode]) -> tuple[ErrorGroup, ...]:
    groups: dict[str, list[Episode]] = defaultdict(list)
    for ep in episodes:
        text = ep.first_message or ep.message
        if ep.kind == EventKind.FAILED and text:
            groups[fingerprint(text, ep.workspace)].append(ep)
    top = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP]
    return tuple(
        ErrorGroup(key, len(eps), eps[0].first_message or eps[0].message or "", eps[0].workspace)
        for key, eps in top
    )


class Reports:
    def __init__(
        self, store: Store, clock: Callable[[], datetime] = utcnow, keep: timedelta = KEEP
    ) -> None:
        """`keep`: how far back episodes are kept (wiring passes FSYNC_HISTORY_DAYS; without
        history, the alert pipeline's 14 days)."""
        self.store, self.clock, self.keep = store, clock, keep

    def last(self, days: int) -> Report:
        """The report of the `days` up to now (`/fsync report 7d`)."""
        end = self.clock()
        return self.between(end - timedelta(days=days), end, now=end)

    def between(self, start: datetime, end: datetime, *, now: datetime | None = None) -> Report:
        """`now`: the clock's reading when the caller has one (one instant for the whole
        report: a second reading would put a 7-day report's comparison past what is kept)."""
        db = self.store.db
        now = now or self.clock()
        length = end - start
        episodes = _episodes(db, start - length, max(end, now))
        current = [ep for ep in episodes if ep.opened_at < end and _open_at(ep, start)]
        before = [ep for ep in episodes if ep.opened_at < start and _open_at(ep, start - length)]
        opened = [ep for ep in current if ep.opened_at >= start and ep.kind in PROBLEMS]
        still_open = [ep for ep in episodes if ep.closed_at is None]
        conflicts = sorted((ep for ep in still_open if ep.kind == EventKind.CONFLICT), key=_opened)
        approvals = sorted((ep for ep in still_open if ep.kind == EventKind.APPROVAL), key=_opened)
        per_workspace = Counter(ep.workspace for ep in opened if ep.workspace)
        closed = [ep for ep in current if ep.closed_at is not None and ep.closed_at >= start]
        closed = [ep for ep in closed if ep.kind != EventKind.APPROVAL and ep.closed_at]
        worst = max(closed, key=_lasted, default=None)
        resolved = Counter(
            resolution
            for resolution, at in self.store.resolutions_since(iso(start))
            if datetime.fromisoformat(at) < end
        )
        mutes = [m for m in route_repo.mutes(db) if now < m.until <= now + MUTE_SOON]
        return Report(
            start=start,
            end=end,
            fleet=_fleet(db),
            now=_period(current, start, end),
            before=_period(before, start - length, start),
            complete=start - length >= now - self.keep,
            kept_days=round(self.keep / timedelta(days=1)),
            worst=(worst.workspace or "the Sync API", _lasted(worst)) if worst else None,
            resolved=tuple(sorted(resolved.items(), key=lambda item: (-item[1], item[0]))),
            flapping=tuple(
                sorted(
                    ((ws, n) for ws, n in per_workspace.items() if n >= FLAPPING),
                    key=lambda item: (-item[1], item[0]),
                )
            ),
            errors=_errors(opened),
            oldest_conflicts=tuple(Waiting(ep.workspace, ep.opened_at) for ep in conflicts[:TOP]),
            open_conflicts=len(conflicts),
            approvals=tuple(Waiting(ep.workspace, ep.opened_at) for ep in approvals[:TOP]),
            waiting_approvals=len(approvals),
            mutes_ending=tuple(mutes),
        )


def _episodes(db: Db, start: datetime, end: datetime) -> list[Episode]:
    """Episodes open at some moment of [start, end): the alert pipeline's, and history's for
    what it has pruned (the same ids: an episode both hold is the alert pipeline's)."""
    recent = repo.episodes_between(db, start, end)
    known = {ep.id for ep in recent}
    older = [
        _from_history(ep)
        for ep in history_repo.episodes(db, None, start)
        if ep.id not in known and ep.opened_at < end
    ]
    return recent + older


def _from_history(ep: EpisodeSeen) -> Episode:
    return Episode(
        id=ep.id,
        workspace=ep.workspace,
        kind=ep.kind,
        opened_at=ep.opened_at,
        status="",
        message=ep.last_error,
        first_message=ep.first_error,
        failures=ep.failures,
        closed_at=ep.closed_at,
        closed_how=ep.closed_how,
    )


def _open_at(ep: Episode, moment: datetime) -> bool:
    return ep.closed_at is None or ep.closed_at >= moment


def _opened(ep: Episode) -> datetime:
    return ep.opened_at


def _lasted(ep: Episode) -> timedelta:
    return (ep.closed_at or ep.opened_at) - ep.opened_at


def _fleet(db: Db) -> tuple[tuple[str, int], ...]:
    """The fleet as the last poll saw it: workspaces by status, problems first."""
    found = Counter(
        "stalled" if snap.stalled and snap.status not in ("failed", "conflict") else snap.status
        for snap in repo.load_snapshot(db).values()
    )
    order = ("failed", "conflict", "stalled", "running", "queued", "success")
    states = [s for s in order if found[s]] + sorted(set(found) - set(order))
    return tuple((state, found[state]) for state in states)
