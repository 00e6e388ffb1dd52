"""The runs a poll saw end (history_rows.RunSeen), worked out from the listing and the last
snapshot; bot/alerts/history_repo.py stores them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.alerts.fingerprint import fingerprint
from bot.alerts.history_rows import MAX_ERROR, RunSeen, text
from bot.alerts.model import WorkspaceSnapshot
from bot.firestartr.models import Workspace

# A workspace in one of these has no finished sync to report: its last_sync is an older run's.
_UNDER_WAY = frozenset({"queued", "running", "never_synced", "awaiting_approval"})


def runs_seen(
    prev: Mapping[str, WorkspaceSnapshot],
    workspaces: Iterable[Workspace],
    changed: Mapping[str, WorkspaceSnapshot],
    now: datetime,
) -> list[RunSeen]:
    """The runs a tick's listing reports, looking only at the workspaces the diff found changed:
    a run that starts (a current run id) and a sync that ended (a new last_sync)."""
    found = []
    for ws in workspaces:
        if ws.name not in changed:
            continue
        if ws.status in ("queued", "running") and ws.current_run_id:
            run = ws.current_run_id
            found.append(RunSeen(run, ws.name, run, now, None, "running"))
        before = prev.get(ws.name)
        if ws.status in _UNDER_WAY:
            continue
        fresh = ws.last_sync is not None and (before is None or before.last_sync != ws.last_sync)
        # A run may be told by its id and outcome alone, last_sync left as it was (the
        # simulator's forced failures are): it ended about when fsync saw it. A run id history
        # already holds is the same run again, and is left out when it is written.
        told = (
            ws.last_run_id is not None
            and before is not None
            and (before.status, before.message) != (ws.status, ws.message)
        )
        if not fresh and not told:
            continue
        finished = min(ws.last_sync, now) if fresh and ws.last_sync is not None else now
        key = ws.last_run_id or f"{ws.name}@{text(ws.last_sync)}"
        error = (ws.message or "")[:MAX_ERROR] if ws.status != "success" else None
        mark = fingerprint(ws.message, ws.name) if error else ""
        found.append(
            RunSeen(
                key,
                ws.name,
                ws.last_run_id,
                None,
                finished,
                ws.status,
                mark,
                error,
                1,
                fresh,
                ws.last_sync if fresh else None,
            )
        )
    return found
