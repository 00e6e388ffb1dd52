"""The previous snapshot and a new listing -> events, each tied to an episode. Pure functions.

An episode is one stretch of a workspace being broken. It opens when the workspace enters
`failed` or `conflict`, or stalls (its next sync far overdue); later news (a new error, another
failure, a conflict opening or being resolved) belongs to the same episode; it closes when the
workspace is back to `success` (recovered) or leaves the fleet or is disabled (gone).

Episode ids and event anchors come from what the API said (the failing sync's time, the conflict
ids), never from when fsync looked, so two pollers that see the same change derive the same keys.

The tick must stay cheap at 10,000 workspaces: an unchanged workspace costs one tuple comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.alerts import approvals
from bot.alerts.fingerprint import fingerprint
from bot.alerts.model import (
    Episode,
    Event,
    EventKind,
    Mute,
    WorkspaceSnapshot,
    digest_of,
)
from bot.core.fleet import STALL_FLOOR, is_stalled
from bot.core.words import adjective
from bot.firestartr.models import Workspace, parse_time


@dataclass
class Diff:
    seen: dict[str, WorkspaceSnapshot] = field(default_factory=dict)  # new or changed rows
    removed: list[str] = field(default_factory=list)
    episodes: dict[str, Episode] = field(default_factory=dict)  # opened, changed or closed
    events: list[Event] = field(default_factory=list)


def needs_conflicts(
    prev: Mapping[str, WorkspaceSnapshot], workspaces: Iterable[Workspace]
) -> list[str]:
    """Workspaces in conflict whose conflicts the last poll did not already read."""
    names = []
    for ws in workspaces:
        if ws.status != "conflict":
            continue
        before = prev.get(ws.name)
        if (
            before is None
            or before.status != "conflict"
            or before.open_conflicts != ws.open_conflicts
        ):
            names.append(ws.name)
    return names


def diff(
    prev: Mapping[str, WorkspaceSnapshot],
    open_episodes: Mapping[str, Episode],
    workspaces: Sequence[Workspace],
    now: datetime,
    conflicts: Mapping[str, Sequence[dict[str, Any]]] | None = None,
    *,
    rebase: bool = False,
    waiting: Mapping[str, dict[str, Any]] | None = None,
) -> Diff:
    """What changed since `prev`. `conflicts` holds the conflicts read for `needs_conflicts()`,
    `waiting` the runs read for `approvals.needs_runs()`.

    `rebase`: `prev` was loaded from SQLite, not seen by this process a poll ago (a restart).
    A workspace still failing with the same error whose last sync moved meanwhile is then not
    "failed again": fsync did not watch those runs, and its card already says that error."""
    conflicts = conflicts or {}
    out = Diff()
    # Stalling needs next_sync at least STALL_FLOOR in the past: one comparison rules most out.
    overdue = now - STALL_FLOOR
    for ws in workspaces:
        stalled = ws.next_sync is not None and ws.next_sync < overdue and is_stalled(ws, now)
        before = prev.get(ws.name)
        if (
            before is not None
            and before.status == ws.status
            and before.message == ws.message
            and before.last_sync == ws.last_sync
            and before.open_conflicts == ws.open_conflicts
            and before.stalled == stalled
        ):
            continue
        episode = open_episodes.get(before.episode) if before and before.episode else None
        approval = episode is not None and episode.kind == EventKind.APPROVAL
        if episode is not None and approval and not approvals.still_waiting(ws, episode):
            closing, closed = approvals.decided(ws, episode, now)
            out.episodes[closed.id] = closed
            out.events.append(closing)
            episode, approval = None, False
        after: Episode | None
        if episode is None and ws.status == approvals.AWAITING:
            event, after = approvals.opening(ws, (waiting or {}).get(ws.name), now)
        elif approval:
            event, after = None, episode
        else:
            event, after = _transition(
                ws, before, episode, stalled, now, conflicts.get(ws.name), rebase
            )
        still_open = after is not None and after.closed_at is None
        out.seen[ws.name] = WorkspaceSnapshot(
            ws.status,
            ws.message,
            ws.last_sync,
            ws.open_conflicts,
            stalled,
            after.id if still_open and after else None,
        )
        if after is not None and after != episode:
            out.episodes[after.id] = after
        if event is not None:
            out.events.append(event)
    if len(prev) + len(out.seen) > len(workspaces):
        listed = {ws.name for ws in workspaces}
        for name in prev.keys() - listed:
            out.removed.append(name)
            episode = open_episodes.get(prev[name].episode or "")
            if episode is not None:
                closed = replace(episode, closed_at=now, closed_how="gone")
                out.episodes[closed.id] = closed
                out.events.append(Event(EventKind.GONE, closed, anchor="removed"))
    return out


def _api_time(moment: datetime | None, now: datetime) -> datetime | None:
    return min(moment, now) if moment is not None else None


def _detected(found: Sequence[dict[str, Any]], now: datetime) -> datetime | None:
    """When the API found the earliest of these conflicts (not when fsync first looked)."""
    moments = [_api_time(parse_time(c.get("detected_at")), now) for c in found]
    return min((m for m in moments if m is not None), default=None)


def _fresh_sync(ws: Workspace, before: WorkspaceSnapshot | None, now: datetime) -> datetime | None:
    """The time of the sync this listing reports, if it is news: a last_sync the previous poll
    had already seen belongs to an older sync, not to what just happened."""
    if before is not None and before.last_sync == ws.last_sync:
        return None
    return _api_time(ws.last_sync, now)


def _opening(
    ws: Workspace,
    problem: str,
    found: tuple[dict[str, Any], ...],
    now: datetime,
    before: WorkspaceSnapshot | None,
) -> Event:
    if problem == EventKind.CONFLICT and found:
        anchor = ",".join(sorted(str(c.get("id")) for c in found))
    elif problem == EventKind.STALLED:
        anchor = ws.next_sync.isoformat() if ws.next_sync else ""
    else:
        anchor = ws.last_sync.isoformat() if ws.last_sync else fingerprint(ws.message, ws.name)
    message = ws.message or (str(found[0].get("summary") or "") if found else None)
    # Ages come from the API: a conflict's detected_at, a failing sync's time.
    began = None
    if problem == EventKind.CONFLICT:
        began = _detected(found, now)
    elif problem == EventKind.FAILED:
        began = _fresh_sync(ws, before, now)
    episode = Episode(
        id="ep_" + digest_of(ws.name, problem, anchor),
        workspace=ws.name,
        kind=problem,
        opened_at=began or now,
        status=ws.status,
        message=message,
        first_message=message,
        failures=1 if problem == EventKind.FAILED else 0,
        conflicts=found,
    )
    return Event(problem, episode, opens=True, anchor=anchor)


def _transition(
    ws: Workspace,
    before: WorkspaceSnapshot | None,
    episode: Episode | None,
    stalled: bool,
    now: datetime,
    fetched: Sequence[dict[str, Any]] | None,
    rebase: bool = False,
) -> tuple[Event | None, Episode | None]:
    status = ws.status
    problem = status if status in ("failed", "conflict") else "stalled" if stalled else None
    found = tuple(fetched) if fetched is not None else ()
    if episode is None:
        if problem is None:
            return None, None
        event = _opening(ws, problem, found, now, before)
        return event, event.episode
    assert before is not None  # an open episode is only known through the previous snapshot
    if status == "success" and not stalled:
        back = _fresh_sync(ws, before, now)
        closed = replace(
            episode,
            status=status,
            conflicts=settled(episode.conflicts),
            closed_at=back if back and back >= episode.opened_at else now,
            closed_how="recovered",
        )
        return Event(EventKind.RECOVERED, closed), closed
    if status == "disabled":
        closed = replace(episode, status=status, closed_at=now, closed_how="gone")
        return Event(EventKind.GONE, closed, anchor="disabled"), closed
    sync = ws.last_sync.isoformat() if ws.last_sync else ""
    if status == "failed":
        new = fingerprint(ws.message, ws.name)
        if new != fingerprint(episode.message, ws.name):
            after = replace(
                episode, status=status, message=ws.message, failures=episode.failures + 1
            )
            return Event(EventKind.FAILED, after, anchor=f"{digest_of(new)}:{sync}"), after
        if before.status == "failed" and rebase:
            return None, replace(episode, message=ws.message)
        if before.status != "failed" or before.last_sync != ws.last_sync:
            after = replace(episode, status=status, failures=episode.failures + 1)
            return Event(EventKind.REPEAT, after, anchor=sync), after
        return None, replace(episode, message=ws.message)
    if status == "conflict":
        ids = ",".join(sorted(str(c.get("id")) for c in found))
        known = ",".join(sorted(str(c.get("id")) for c in episode.conflicts))
        if before.status != "conflict" or (fetched is not None and ids != known):
            after = replace(
                episode,
                status=status,
                conflicts=found or episode.conflicts,
                message=ws.message or episode.message,
            )
            return Event(EventKind.CONFLICT, after, anchor=ids or sync), after
        return None, episode
    if before.status == "conflict":
        known = ",".join(sorted(str(c.get("id")) for c in episode.conflicts))
        after = replace(episode, status=status, conflicts=settled(episode.conflicts))
        return Event(EventKind.RESOLVED, after, anchor=known or sync), after
    if stalled and not before.stalled:
        after = replace(episode, status=status)
        anchor = ws.next_sync.isoformat() if ws.next_sync else ""
        return Event(EventKind.STALLED, after, anchor=anchor), after
    return None, episode


def settled(conflicts: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """The conflicts marked resolved: the workspace moved on, so their buttons must go."""
    return tuple(
        {**c, "status": "resolved"} if c.get("status", "open") == "open" else c for c in conflicts
    )


# --- mutes ------------------------------------------------------------------------------------
def reminders(
    ended: Iterable[Mute],
    active: Sequence[Mute],
    open_episodes: Iterable[Episode],
    now: datetime,
) -> list[Event]:
    """One reminder per episode still open when a mute on it ended (and no other mute covers it)."""
    ended = list(ended)
    events = []
    for episode in open_episodes:
        if episode.closed_at is not None:
            continue
        if any(mute.covers(episode.workspace, now) for mute in active):
            continue
        for mute in ended:
            if not mute.matches(episode.workspace):
                continue
            note = f"The mute on `{mute.glob}` ended and it is still {adjective(episode.problem)}."
            anchor = f"{mute.glob}@{mute.until.isoformat()}"
            events.append(Event(EventKind.REMINDER, episode, anchor=anchor, note=note))
            break
    return events
