"""What the /_sim control API does to the simulated fleet (add, remove, force a state)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.simulator import conflicts
from bot.simulator.errors import ApiError, validation_error
from bot.simulator.model import OUTCOMES, WORKSPACE_STATUSES, WorkspaceState
from bot.simulator.scenarios import failure_message
from bot.simulator.wire import NAME_PATTERN, interval_seconds

if TYPE_CHECKING:
    from bot.simulator.engine import Engine

STEERED_BY = "simulator"


def _field(body: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = body.get(key, default)
    if value is not default and not isinstance(value, kind):
        raise validation_error([(key, f"must be a {kind.__name__}")])
    return value


def add_workspace(engine: Engine, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    name = body.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise validation_error([("name", "must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$")])
    # Seconds are allowed here (not in PUT config) so tests can watch the scheduler work.
    interval = _field(body, "sync_interval", str, "10m")
    if interval_seconds(interval) is None:
        raise validation_error([("sync_interval", "must look like 30s, 10m, 1h or 1d")])
    auto_apply = _field(body, "auto_apply", bool, False)
    enabled = _field(body, "sync_enabled", bool, True)
    status = _field(body, "status", str, None)
    if status is not None and status not in WORKSPACE_STATUSES:
        raise validation_error([("status", f"must be one of {', '.join(WORKSPACE_STATUSES)}")])
    store = engine.store
    with store.lock:
        if name in store.workspaces:
            raise ApiError(409, "workspace_exists", f"Workspace '{name}' already exists")
        now = time.time()
        ws = WorkspaceState(
            name=name, sync_interval=interval, enabled=enabled, auto_apply=auto_apply
        )
        store.put_workspace(ws)
        engine.settle(ws, now)
        if status is not None and status != ws.status:
            _force_status(engine, ws, status, None, now)
        store.config_changed()
        return ws.wire(store.enabled)


def delete_workspace(engine: Engine, name: str) -> None:
    store = engine.store
    with store.lock:
        ws = engine.workspace(name)
        now = time.time()
        engine.cancel_active_run(ws, now, "Workspace deleted")
        for cid in [c.id for c in store.conflicts.values() if c.workspace == name]:
            del store.conflicts[cid]
        del store.workspaces[name]
        store.touch(ws)
        store.config_changed()


def set_state(engine: Engine, name: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    status = body.get("status")
    if status not in WORKSPACE_STATUSES:
        raise validation_error([("status", f"must be one of {', '.join(WORKSPACE_STATUSES)}")])
    message = _field(body, "message", str, None)
    when = _moment(body.get("at"))
    with engine.store.lock:
        ws = engine.workspace(name)
        _force_status(engine, ws, status, message, when)
        return ws.wire(engine.store.enabled)


def _moment(at: Any) -> float:
    """`at`: when the state came about, for scripting a past week (an ISO time up to a year
    back, not ahead); now without one."""
    now = time.time()
    if at is None:
        return now
    try:
        moment = datetime.fromisoformat(str(at)).timestamp()
    except ValueError:
        moment = float("nan")
    if not now - 366 * 86400 <= moment <= now + 1:
        raise validation_error([("at", "must be an ISO time from the last year, not ahead")])
    return moment


def set_next_outcome(engine: Engine, name: str, body: Any) -> dict[str, Any]:
    outcome = body.get("outcome") if isinstance(body, dict) else None
    if outcome not in OUTCOMES:
        raise validation_error([("outcome", f"must be one of {', '.join(OUTCOMES)}")])
    plan = _plan(body) if outcome == "changes" else None
    with engine.store.lock:
        ws = engine.workspace(name)
        ws.next_outcome, ws.next_plan = outcome, plan
    return {"workspace": name, "next_outcome": outcome, **({"plan": plan} if plan else {})}


def _plan(body: dict[str, Any]) -> dict[str, float]:
    """A forced plan: `add`, `change`, `destroy` (0 to 10,000) and `expires_in` (`30s`)."""
    plan: dict[str, float] = {}
    problems = []
    for key in ("add", "change", "destroy"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            problems.append((key, "must be a whole number from 0 to 10000"))
        else:
            plan[key] = value
    expires = body.get("expires_in")
    if expires is not None:
        seconds = interval_seconds(expires)
        if seconds is None:
            problems.append(("expires_in", "must look like 30s, 10m, 1h or 1d"))
        else:
            plan["expires_in"] = seconds
    if problems:
        raise validation_error(problems)
    return plan


def stall(engine: Engine, name: str, body: Any) -> dict[str, Any]:
    """Stop the scheduler for `name`: its next sync moves `overdue` into the past (default: three
    intervals, at least an hour, so fsync's stall rule of 2 intervals / 10 minutes holds) and is
    never started. A sync, a forced state or a config change schedules it again."""
    body = body if body is not None else {}
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    overdue = _field(body, "overdue", str, None)
    if overdue is not None and interval_seconds(overdue) is None:
        raise validation_error([("overdue", "must look like 30s, 10m, 1h or 1d")])
    store = engine.store
    with store.lock:
        ws = engine.workspace(name)
        why = (
            "it is disabled"
            if not ws.enabled or not store.enabled
            else "a run is in progress"
            if ws.current_run_id is not None
            else "a conflict is waiting"
            if ws.open_conflicts
            else None
        )
        if why is not None:
            raise ApiError(
                409, "not_scheduled", f"Workspace '{name}' has no schedule to stall: {why}"
            )
        seconds = interval_seconds(overdue) if overdue else max(3 * ws.interval_s, 3600)
        now = time.time()
        # Set directly, not through store.schedule(): the scheduler's heap never holds this time,
        # so nothing starts the workspace, as with a scheduler that is stuck for it.
        ws.next_sync = now - (seconds or 0)
        if ws.status != "failed":  # a failed one keeps its failing run's time
            ws.last_sync = ws.next_sync - ws.interval_s
        store.touch(ws)
        return ws.wire(store.enabled)


def _force_status(
    engine: Engine, ws: WorkspaceState, status: str, message: str | None, now: float
) -> None:
    """Make `status` true now, keeping runs and conflicts consistent with it (lock held)."""
    store = engine.store
    if status in ("queued", "running"):
        if ws.current_run_id is None:
            engine.start_run(ws, "manual", STEERED_BY, now)
        run = store.runs[ws.current_run_id or ""]
        if status == "running" and run.status == "queued":
            run.status, run.started_at = "running", now
        ws.status = run.status
        store.touch(ws)
        return
    engine.cancel_active_run(ws, now, f"Canceled by the simulator (state set to {status})")
    if status == "conflict":
        run = engine.new_run(ws, "schedule", "scheduler", now)
        conflict = conflicts.open_conflict(engine, ws, run, now)
        ws.message = message or conflict.summary
        store.touch(ws)
        return
    # Keep "status conflict <=> an open conflict" true: forcing another state sets them aside.
    for conflict in store.conflicts.values():
        if conflict.workspace == ws.name and conflict.status == "open":
            conflicts.close(engine, conflict, "ignored", None, STEERED_BY, now)
    ws.open_conflicts = 0
    if status == "disabled":
        ws.enabled = False
        store.config_changed()
    elif status == "success":
        ws.last_sync = now
    elif status == "never_synced":
        ws.last_sync = None
    elif status == "failed" and message is None:
        engine.message_seq += 1
        message = failure_message(engine.message_seq, ws.name)
    if status == "failed":
        engine.failed_run(ws, message, now)
    if status != "disabled":
        ws.status = status
    ws.message = message
    engine.settle(ws, now)
