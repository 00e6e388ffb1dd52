"""The simulator's rules: how runs start, progress and end, and what they leave behind.

Public methods take the store lock; methods documented as "lock held" are shared with
conflicts.py, steering.py and config.py, which are the other halves of the same rule book.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from bot.simulator import approvals, conflicts
from bot.simulator.errors import ApiError, not_found_workspace
from bot.simulator.fleet import build_fleet
from bot.simulator.model import RunState, WorkspaceState
from bot.simulator.scenarios import failure_message, success_message
from bot.simulator.state import Store


@dataclass(frozen=True, slots=True)
class SimOptions:
    api_key: str
    workspaces: int = 0
    seed: int = 0
    sync_seconds: float = 2.0
    failure_rate: float = 0.0
    # [ASSUMED] approvals: the chance a run of an auto_apply:false workspace plans changes, and
    # how long such a plan waits for a yes before it expires (seconds).
    plan_rate: float = 0.0
    approval_timeout: float = 1800.0


class Engine:
    def __init__(self, options: SimOptions, store: Store | None = None) -> None:
        self.options = options
        self.store = store or Store()
        # A short queue phase makes `queued` observable without slowing fast test runs.
        self.queue_seconds = min(0.5, options.sync_seconds / 4)
        self.reset()

    # -- whole-simulator operations -------------------------------------------------------------

    def reset(self) -> None:
        with self.store.lock:
            self.rng = random.Random(self.options.seed)
            self.plan_rng = random.Random(self.options.seed + 1)
            self.plan_seq = -1
            self.message_seq = 0
            self.drift_seq = 0
            self.store.clear()
            now = time.time()
            fleet = build_fleet(now, self.options.workspaces, self.options.seed)
            self.store.load(fleet.workspaces)
            for name in fleet.conflicted:
                ws = self.store.workspaces[name]
                # Found by the sync that set its last_sync, not at start-up: ages must agree.
                found = ws.last_sync if ws.last_sync is not None else now - 30
                run = self.new_run(ws, "schedule", "scheduler", found - 30)
                conflicts.open_conflict(self, ws, run, found)

    def tick(self, now: float | None = None) -> None:
        """One scheduler step: start what is due, move runs along, finish what is done."""
        now = time.time() if now is None else now
        store = self.store
        sync_seconds = self.options.sync_seconds
        with store.lock:
            if store.enabled:
                for ws in store.due(now):
                    if ws.enabled and ws.current_run_id is None and ws.open_conflicts == 0:
                        self.start_run(ws, "schedule", "scheduler", now)
            for run in list(store.active.values()):
                if run.status == "queued" and now >= run.created_at + self.queue_seconds:
                    run.status, run.started_at = "running", now
                    self._set_status(run.workspace, "running")
                elif run.status == "running" and now >= self._phase_start(run, now) + sync_seconds:
                    self.finish_run(run, now)
            if store.waiting:
                approvals.expire_due(self, now)

    @staticmethod
    def _phase_start(run: RunState, now: float) -> float:
        # An approved plan's apply takes its own sync_seconds from the approval.
        return run.applying_since or run.started_at or now

    # -- endpoint operations --------------------------------------------------------------------

    def require_workspace(self, name: str) -> None:
        with self.store.lock:
            self.workspace(name)

    def trigger(self, name: str, requested_by: str) -> dict[str, Any]:
        with self.store.lock:
            ws = self.workspace(name)
            if not self.store.enabled:
                raise ApiError(409, "sync_disabled", "Sync is disabled globally")
            if not ws.enabled:
                raise ApiError(409, "sync_disabled", f"Sync is disabled for workspace '{name}'")
            if ws.current_run_id is not None:
                raise ApiError(
                    409,
                    "sync_in_progress",
                    f"Workspace '{name}' already has run {ws.current_run_id} in progress",
                    run_id=ws.current_run_id,
                )
            return self.start_run(ws, "manual", requested_by, time.time()).wire()

    def run_json(self, run_id: str) -> dict[str, Any]:
        with self.store.lock:
            run = self.store.runs.get(run_id)
            if run is None:
                raise ApiError(404, "run_not_found", f"Run '{run_id}' does not exist")
            return run.wire()

    # -- shared helpers (lock held) -------------------------------------------------------------

    def workspace(self, name: str) -> WorkspaceState:
        ws = self.store.workspaces.get(name)
        if ws is None:
            raise not_found_workspace(name)
        return ws

    def new_run(self, ws: WorkspaceState, trigger: str, requested_by: str, now: float) -> RunState:
        run = RunState(
            id=self.store.ids.make("run"),
            workspace=ws.name,
            trigger=trigger,
            requested_by=requested_by,
            created_at=now,
        )
        self.store.add_run(run)
        return run

    def start_run(
        self, ws: WorkspaceState, trigger: str, requested_by: str, now: float
    ) -> RunState:
        if ws.status not in ("conflict", "queued", "running"):
            ws.before_conflict = (ws.status, ws.message)
        run = self.new_run(ws, trigger, requested_by, now)
        ws.current_run_id = run.id
        ws.status = "queued"
        # Shown while the run is on: when the next scheduled sync should come if this one ends
        # on time. finish_run() replaces it with the exact value.
        expected_end = now + self.queue_seconds + self.options.sync_seconds
        self.store.schedule(ws, expected_end + ws.interval_s)
        return run

    def finish_run(self, run: RunState, now: float) -> None:
        self.store.active.pop(run.id, None)
        run.finished_at = now
        ws = self.store.workspaces.get(run.workspace)
        if ws is None:
            run.status = "canceled"
            return
        if run.applying_since is not None:
            approvals.apply_done(self, ws, run, now)
            return
        outcome = ws.next_outcome
        ws.next_outcome = None
        if outcome is None:
            failed = self.rng.random() < self.options.failure_rate
            outcome = "failed" if failed else "changes" if approvals.has_changes(self, ws) else None
        if outcome == "changes":
            approvals.changes_found(self, ws, run, now)
            return
        ws.current_run_id = None
        ws.last_sync, ws.last_run_id = now, run.id
        self.message_seq += 1
        if outcome == "conflict":
            conflicts.conflict_outcome(self, ws, run, now)
        elif outcome == "failed":
            run.status = "failed"
            run.message = ws.message = failure_message(self.message_seq, ws.name)
            ws.status = "failed"
        else:
            run.status = "succeeded"
            if run.trigger != "conflict_resolution":
                run.message = success_message(self.message_seq)
            ws.status, ws.message = "success", None
        self.settle(ws, now)

    def failed_run(self, ws: WorkspaceState, message: str | None, now: float) -> None:
        """A failure forced through /_sim still has a run behind it, with a log (lock held)."""
        run = RunState(
            id=self.store.ids.make("run"),
            workspace=ws.name,
            trigger="schedule",
            requested_by="scheduler",
            created_at=now - 5,
            status="failed",
            started_at=now - 4,
            finished_at=now,
            message=message,
        )
        self.store.add_run(run)
        ws.last_run_id = run.id

    def cancel_active_run(self, ws: WorkspaceState, now: float, why: str) -> None:
        run = self.store.runs.get(ws.current_run_id or "")
        ws.current_run_id = None
        if run is not None and run.status == approvals.WAITING:
            self.store.waiting.pop(run.id, None)
            run.status, run.finished_at, run.message = "canceled", now, why
        if run is not None and run.active:
            self.store.active.pop(run.id, None)
            run.status, run.finished_at, run.message = "canceled", now, why

    def settle(self, ws: WorkspaceState, now: float) -> None:
        """Restore the invariants after a change: schedule, conflict and disabled status."""
        if ws.current_run_id is None:
            if ws.open_conflicts > 0:
                ws.status = "conflict"
                # A waiting conflict pauses the schedule until someone decides.
                self.store.schedule(ws, None)
            else:
                self.store.schedule(ws, now + ws.interval_s if ws.enabled else None)
            if not ws.enabled and ws.status != "disabled":
                ws.resume_status, ws.status = ws.status, "disabled"
        self.store.touch(ws)

    def _set_status(self, name: str, status: str) -> None:
        ws = self.store.workspaces.get(name)
        if ws is not None:
            ws.status = status
            self.store.touch(ws)
