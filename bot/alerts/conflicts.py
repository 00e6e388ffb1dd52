"""The conflicts the poller reads for its alerts: the open ones of the workspaces that entered a
conflict, and how the ones they left ended. Stored with sensitive values dropped."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.alerts.diff import Diff
from bot.alerts.model import Decision, Event, EventKind
from bot.errors import FeatureUnavailable, SyncAPIError
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Conflict
from bot.firestartr.ratelimit import Priority
from bot.store import Store
from bot.times import maybe_iso

log = logging.getLogger(__name__)
ONE_LISTING_FOR_ALL = 3  # more workspaces than this need conflicts: list them all at once


def open_by_workspace(client: SyncClient, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Open conflicts of `names`, as stored (sensitive values dropped). {} when unavailable."""
    if not names:
        return {}
    wanted = set(names)
    try:
        if len(names) > ONE_LISTING_FOR_ALL:
            listed = client.list_conflicts(priority=Priority.POLLER)
        else:
            listed = [
                c
                for name in names
                for c in client.list_conflicts(workspace=name, priority=Priority.POLLER)
            ]
    except FeatureUnavailable:
        return {}
    except SyncAPIError as exc:
        log.info("could not read conflicts for alerts (%s): alerting without", exc.user_message)
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    for conflict in listed:
        if conflict.workspace in wanted and conflict.is_open:
            found.setdefault(conflict.workspace or "", []).append(as_stored(conflict))
    return found


def as_decided(client: SyncClient, store: Store, stored: dict[str, Any]) -> dict[str, Any]:
    """`stored` (a conflict its workspace has left), with who decided what and when, as the
    API tells it; unchanged when fsync resolved it (its claim says) or the API does not say."""
    if stored.get("resolved_by") or store.resolution(str(stored.get("id"))):
        return stored
    try:
        conflict = client.get_conflict(str(stored.get("id")), priority=Priority.POLLER)
    except SyncAPIError as exc:
        log.info("could not read how a conflict ended (%s)", exc.user_message)
        return stored
    if conflict.is_open:
        return stored
    fields = conflict.model_dump(mode="json", include={"resolution", "resolved_by"})
    return {**stored, **fields, "resolved_at": maybe_iso(conflict.resolved_at)}


def as_stored(conflict: Conflict) -> dict[str, Any]:
    data = conflict.model_dump(mode="json")
    for resource in data.get("resources") or []:
        for attribute in resource.get("changed_attributes") or []:
            if attribute.get("sensitive"):
                attribute["desired"] = attribute["actual"] = None
    return data


def claimed_decisions(store: Store, events: Iterable[Event]) -> dict[str, Decision]:
    """Who resolved the conflicts of these events through fsync, by conflict id."""
    found = {}
    for event in events:
        for conflict in event.episode.conflicts:
            claim = store.resolution(str(conflict.get("id")))
            if claim:
                at = _moment(claim.get("at"))
                found[claim["conflict_id"]] = Decision(claim["user_id"], claim["resolution"], at)
    return found


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


_CLOSES_A_CONFLICT = (EventKind.RESOLVED, EventKind.RECOVERED)


def note_decisions(client: SyncClient, store: Store, changes: Diff) -> None:
    """Conflicts a workspace just left behind, as the API tells their end: who decided what,
    and when (into `changes`). A card then says so, also for a decision taken outside fsync."""
    for event in changes.events:
        episode = event.episode
        if event.kind not in _CLOSES_A_CONFLICT or episode.kind != EventKind.CONFLICT:
            continue
        ended = tuple(as_decided(client, store, c) for c in episode.conflicts)
        if ended == episode.conflicts:
            continue
        after = replace(episode, conflicts=ended)
        changes.episodes[after.id] = after
        changes.events[changes.events.index(event)] = replace(event, episode=after)
