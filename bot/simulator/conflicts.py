"""Conflicts: how a sync run opens one, how the policy or a person resolves it."""

from __future__ import annotations

import time
from typing import Any, Protocol

from bot.simulator.errors import ApiError
from bot.simulator.model import RESOLUTIONS, ConflictState, RunState, WorkspaceState
from bot.simulator.scenarios import drift
from bot.simulator.state import Store


class Engine(Protocol):
    """What these rules use of bot/simulator/engine.py's Engine (which calls them)."""

    store: Store
    drift_seq: int

    def workspace(self, name: str) -> WorkspaceState: ...

    def start_run(
        self, ws: WorkspaceState, trigger: str, requested_by: str, now: float
    ) -> RunState: ...

    def settle(self, ws: WorkspaceState, now: float) -> None: ...


RUN_RESOLUTIONS = ("apply_desired", "accept_remote")
RESOLUTION_RUN_MESSAGES = {
    "apply_desired": "Applying the desired state to resolve {cid}",
    "accept_remote": "Refresh-only run: accepting the remote state to resolve {cid}",
}


def open_conflict(engine: Engine, ws: WorkspaceState, run: RunState, now: float) -> ConflictState:
    """A drift found by `run` that waits for a person (lock held)."""
    conflict = _detect(engine, ws, run, now)
    engine.store.active.pop(run.id, None)
    run.status = "awaiting_resolution"
    run.started_at = run.started_at or run.created_at
    run.finished_at = run.finished_at or now
    run.message = conflict.summary
    # A run's own queued/running status is not worth restoring; start_run saved the one before.
    if ws.open_conflicts == 0 and ws.status not in ("conflict", "queued", "running"):
        ws.before_conflict = (ws.status, ws.message)
    ws.open_conflicts += 1
    ws.status, ws.message = "conflict", conflict.summary
    ws.current_run_id = None
    engine.settle(ws, now)
    return conflict


def conflict_outcome(engine: Engine, ws: WorkspaceState, run: RunState, now: float) -> None:
    """A run ended in drift: open it, or let the automatic policy take it (lock held)."""
    policy = engine.store.policy
    if policy == "manual":
        open_conflict(engine, ws, run, now)
        return
    conflict = _detect(engine, ws, run, now)
    conflict.status, conflict.resolution = "resolved", policy
    conflict.resolved_by, conflict.resolved_at = f"policy:{policy}", now
    run.status = "succeeded"
    run.message = f"{conflict.summary}; resolved automatically ({policy})"
    ws.status, ws.message = "success", None


def resolve(engine: Engine, conflict_id: str, resolution: str, resolved_by: str) -> dict[str, Any]:
    store = engine.store
    with store.lock:
        conflict = store.conflicts.get(conflict_id)
        if conflict is None:
            raise ApiError(404, "conflict_not_found", f"Conflict '{conflict_id}' does not exist")
        if conflict.status != "open":
            raise ApiError(
                409,
                "conflict_already_resolved",
                f"Conflict '{conflict_id}' is already {conflict.status}"
                f" ({conflict.resolution} by {conflict.resolved_by})",
                conflict=conflict.wire(),
            )
        if resolution not in conflict.allowed_resolutions:
            raise ApiError(
                422,
                "resolution_not_allowed",
                f"Resolution '{resolution}' is not allowed for conflict '{conflict_id}'",
                details=[
                    {
                        "field": "resolution",
                        "problem": f"must be one of {', '.join(conflict.allowed_resolutions)}",
                    }
                ],
            )
        ws = engine.workspace(conflict.workspace)
        if resolution in RUN_RESOLUTIONS and ws.current_run_id is not None:
            raise ApiError(
                409,
                "sync_in_progress",
                f"Workspace '{ws.name}' already has run {ws.current_run_id} in progress",
                run_id=ws.current_run_id,
            )
        now = time.time()
        close(
            engine,
            conflict,
            "ignored" if resolution == "ignore_once" else "resolved",
            resolution,
            resolved_by,
            now,
        )
        run = None
        if resolution in RUN_RESOLUTIONS:
            run = engine.start_run(ws, "conflict_resolution", resolved_by, now)
            run.message = RESOLUTION_RUN_MESSAGES[resolution].format(cid=conflict.id)
        elif ws.open_conflicts == 0:
            if resolution == "ignore_once":
                ws.status, ws.message = "success", None
            else:
                ws.status, ws.message = ws.before_conflict
            engine.settle(ws, now)
        return {"conflict": conflict.wire(), "run": run.wire() if run else None}


def close(
    engine: Engine,
    conflict: ConflictState,
    status: str,
    resolution: str | None,
    resolved_by: str,
    now: float,
) -> None:
    """Mark a conflict done and release the run that waited on it (lock held)."""
    conflict.status, conflict.resolution = status, resolution
    conflict.resolved_by, conflict.resolved_at = resolved_by, now
    ws = engine.store.workspaces.get(conflict.workspace)
    if ws is not None:
        ws.open_conflicts = max(0, ws.open_conflicts - 1)
        engine.store.touch(ws)
    waiting = engine.store.runs.get(conflict.run_id)
    if waiting is not None and waiting.status == "awaiting_resolution":
        waiting.status = "canceled" if resolution == "abort" else "succeeded"
        waiting.message = f"{conflict.summary}; {resolution or status} by {resolved_by}"


def list_conflicts(engine: Engine, workspace: str | None, status: str | None) -> dict[str, Any]:
    with engine.store.lock:
        found = [
            c.wire()
            for c in reversed(engine.store.conflicts.values())
            if (workspace is None or c.workspace == workspace)
            and (status is None or c.status == status)
        ]
    return {"conflicts": found}


def conflict_json(engine: Engine, conflict_id: str) -> dict[str, Any]:
    with engine.store.lock:
        conflict = engine.store.conflicts.get(conflict_id)
        if conflict is None:
            raise ApiError(404, "conflict_not_found", f"Conflict '{conflict_id}' does not exist")
        return conflict.wire()


def _detect(engine: Engine, ws: WorkspaceState, run: RunState, now: float) -> ConflictState:
    found = drift(engine.drift_seq)
    engine.drift_seq += 1
    conflict = ConflictState(
        id=engine.store.ids.make("cfl"),
        workspace=ws.name,
        run_id=run.id,
        type=found.type,
        detected_at=now,
        summary=found.summary,
        resources=list(found.resources),
        allowed_resolutions=list(RESOLUTIONS),
    )
    engine.store.conflicts[conflict.id] = conflict
    run.conflict_ids.append(conflict.id)
    return conflict
