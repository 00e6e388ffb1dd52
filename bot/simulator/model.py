"""The simulator's in-memory objects and how each one looks on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.simulator.wire import dumps, interval_seconds, rfc3339

WORKSPACE_STATUSES = (
    "success",
    "never_synced",
    "queued",
    "running",
    "failed",
    "conflict",
    "disabled",
)
OUTCOMES = ("success", "failed", "conflict", "changes")
RESOLUTIONS = ("apply_desired", "accept_remote", "ignore_once", "abort")
POLICIES = ("manual", "apply_desired", "accept_remote")
ACTIVE_RUN_STATUSES = frozenset({"queued", "running"})


@dataclass(slots=True)
class WorkspaceState:
    name: str
    sync_interval: str
    enabled: bool = True
    auto_apply: bool = False
    status: str = "never_synced"
    last_sync: float | None = None
    next_sync: float | None = None
    message: str | None = None
    current_run_id: str | None = None
    last_run_id: str | None = None  # [ASSUMED] the run that set last_sync: where its log is
    open_conflicts: int = 0
    next_outcome: str | None = None
    # A forced plan's counts and expiry for the next `changes` outcome (POST /_sim next_outcome).
    next_plan: dict[str, float] | None = None
    # What to show again when a disabled workspace is re-enabled.
    resume_status: str = "never_synced"
    # (status, message) from before a conflict opened: `abort` puts them back.
    before_conflict: tuple[str, str | None] = ("success", None)
    # The serialized wire form; None after any change (see Store.touch).
    cached: bytes | None = None
    # The wire form clients last saw (Store.settle): a touch that leaves it as it was is no change.
    published: bytes | None = None

    @property
    def interval_s(self) -> int:
        return interval_seconds(self.sync_interval) or 600

    def wire(self, globally_enabled: bool) -> dict[str, Any]:
        scheduled = self.enabled and globally_enabled
        return {
            "name": self.name,
            "sync_enabled": self.enabled,
            "last_sync": rfc3339(self.last_sync),
            "status": self.status,
            "next_sync": rfc3339(self.next_sync) if scheduled else None,
            "sync_interval": self.sync_interval,
            "auto_apply": self.auto_apply,
            "open_conflicts": self.open_conflicts,
            "current_run_id": self.current_run_id,
            "last_run_id": self.last_run_id,
            "message": self.message,
        }

    def wire_bytes(self, globally_enabled: bool) -> bytes:
        if self.cached is None:
            self.cached = dumps(self.wire(globally_enabled))
        return self.cached

    def config_entry(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "sync_interval": self.sync_interval,
            "auto_apply": self.auto_apply,
        }


@dataclass(slots=True)
class RunState:
    id: str
    workspace: str
    trigger: str
    requested_by: str
    created_at: float
    status: str = "queued"
    started_at: float | None = None
    finished_at: float | None = None
    message: str | None = None
    conflict_ids: list[str] = field(default_factory=list)
    # [ASSUMED] plans that wait for a yes (bot/simulator/approvals.py).
    plan: dict[str, Any] | None = None
    expires_at: float | None = None  # while awaiting_approval
    applying_since: float | None = None  # approved: the apply's own clock
    decided_by: str | None = None
    decided_at: float | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workspace": self.workspace,
            "status": self.status,
            "trigger": self.trigger,
            "requested_by": self.requested_by,
            "created_at": rfc3339(self.created_at),
            "started_at": rfc3339(self.started_at),
            "finished_at": rfc3339(self.finished_at),
            "message": self.message,
            "conflict_ids": list(self.conflict_ids),
            **self.approval_wire(),
        }

    def approval_wire(self) -> dict[str, Any]:
        """The [ASSUMED] approval fields, only on runs that have a plan."""
        if self.plan is None:
            return {}
        return {
            "plan": self.plan,
            "expires_at": rfc3339(self.expires_at),
            "decided_by": self.decided_by,
            "decided_at": rfc3339(self.decided_at),
        }


@dataclass(slots=True)
class ConflictState:
    id: str
    workspace: str
    run_id: str
    type: str
    detected_at: float
    summary: str
    resources: list[dict[str, Any]]
    allowed_resolutions: list[str] = field(default_factory=lambda: list(RESOLUTIONS))
    status: str = "open"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: float | None = None

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "type": self.type,
            "status": self.status,
            "detected_at": rfc3339(self.detected_at),
            "summary": self.summary,
            "resources": self.resources,
            "allowed_resolutions": list(self.allowed_resolutions),
            "resolution": self.resolution,
            "resolved_by": self.resolved_by,
            "resolved_at": rfc3339(self.resolved_at),
        }
