"""Alerts about plans that wait for a yes ([ASSUMED]): a workspace whose current run is
`awaiting_approval` opens an `approval` episode (its card carries the run and its plan, read by
the poller); the episode closes, `decided`, once the workspace no longer waits on that run.

An approval episode opens only when no other episode of the workspace is open: a workspace
still failing or in conflict keeps that card, whose Sync buttons lead to the plan's own card.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.alerts.model import Episode, Event, EventKind, WorkspaceSnapshot, digest_of
from bot.errors import FeatureUnavailable, SyncAPIError
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Workspace
from bot.firestartr.ratelimit import Priority

log = logging.getLogger(__name__)
AWAITING = "awaiting_approval"


def needs_runs(
    prev: Mapping[str, WorkspaceSnapshot], workspaces: Iterable[Workspace]
) -> list[Workspace]:
    """Workspaces that began to wait since the last poll: their run's plan is worth reading."""
    return [
        ws
        for ws in workspaces
        if ws.status == AWAITING
        and ws.current_run_id
        and (ws.name not in prev or prev[ws.name].status != AWAITING)
    ]


def waiting_runs(client: SyncClient, workspaces: list[Workspace]) -> dict[str, dict[str, Any]]:
    """The waiting runs of `workspaces` by name, as the API sent them; {} when unavailable."""
    found: dict[str, dict[str, Any]] = {}
    for ws in workspaces:
        try:
            run = client.get_run(ws.current_run_id or "", priority=Priority.POLLER)
        except FeatureUnavailable:
            return found
        except SyncAPIError as exc:
            log.info("could not read the plan of %s for alerts: %s", ws.name, exc.user_message)
            continue
        found[ws.name] = run.model_dump(mode="json")
    return found


def still_waiting(ws: Workspace, episode: Episode) -> bool:
    run = episode.waiting_run or {}
    return ws.status == AWAITING and (not run or run.get("id") == ws.current_run_id)


def decided(ws: Workspace, episode: Episode, now: datetime) -> tuple[Event, Episode]:
    closed = replace(episode, status=ws.status, closed_at=now, closed_how=EventKind.DECIDED)
    return Event(EventKind.DECIDED, closed, anchor=ws.status), closed


def opening(ws: Workspace, run: dict[str, Any] | None, now: datetime) -> tuple[Event, Episode]:
    anchor = ws.current_run_id or (ws.last_sync.isoformat() if ws.last_sync else "")
    began = min(ws.last_sync, now) if ws.last_sync else now
    episode = Episode(
        id="ep_" + digest_of(ws.name, EventKind.APPROVAL, anchor),
        workspace=ws.name,
        kind=EventKind.APPROVAL,
        opened_at=began,
        status=ws.status,
        message=ws.message,
        first_message=ws.message,
        # Without its plan (unreadable), the run's id still tells a later plan from this one.
        conflicts=(run or {"id": ws.current_run_id},) if run or ws.current_run_id else (),
    )
    return Event(EventKind.APPROVAL, episode, opens=True, anchor=anchor), episode
