"""Pydantic models of the Sync API objects (see docs/firestartr-sync-api.md).

Tolerant readers: unknown fields are ignored, unknown enum values are kept as plain strings,
missing optional fields default, and an unparseable timestamp becomes `None` instead of an error.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$")
INTERVAL_PATTERN = re.compile(r"^[1-9][0-9]*[smhd]$")


def _lenient_datetime(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def parse_time(value: Any) -> datetime | None:
    """A timestamp as the API writes it (RFC 3339), or None for anything else."""
    parsed = _lenient_datetime(value)
    return parsed if isinstance(parsed, datetime) else None


def _lenient_str(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _lenient_int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):  # None, "3 conflicts", NaN, Infinity
        return 0


def _shared(value: Any) -> Any:
    # Every workspace repeats a few statuses and intervals, and its name is also a key of the
    # listing cache and of the alert snapshot: one string each, not one per holder (benchmark 2).
    return sys.intern(value) if type(value) is str else value


Timestamp = Annotated[datetime | None, BeforeValidator(_lenient_datetime)]
Text = Annotated[str | None, BeforeValidator(_lenient_str)]
Count = Annotated[int, BeforeValidator(_lenient_int)]
Shared = Annotated[str, AfterValidator(_shared)]
SharedText = Annotated[str | None, BeforeValidator(_lenient_str), AfterValidator(_shared)]


class WorkspaceStatus(StrEnum):
    SUCCESS = "success"
    NEVER_SYNCED = "never_synced"
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    CONFLICT = "conflict"
    DISABLED = "disabled"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AWAITING_RESOLUTION = "awaiting_resolution"
    CANCELED = "canceled"
    # [ASSUMED] plans that wait for a yes: waiting is not finished; discarded and expired are.
    AWAITING_APPROVAL = "awaiting_approval"
    DISCARDED = "discarded"
    EXPIRED = "expired"


FINISHED_RUN_STATUSES = frozenset(
    {
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.CANCELED,
        RunStatus.AWAITING_RESOLUTION,
        RunStatus.DISCARDED,
        RunStatus.EXPIRED,
    }
)


class ConflictResolution(StrEnum):
    """Global `conflict_resolution` policy values."""

    MANUAL = "manual"
    APPLY_DESIRED = "apply_desired"
    ACCEPT_REMOTE = "accept_remote"


class Resolution(StrEnum):
    """What a person may choose for one open conflict."""

    APPLY_DESIRED = "apply_desired"
    ACCEPT_REMOTE = "accept_remote"
    IGNORE_ONCE = "ignore_once"
    ABORT = "abort"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore"))
class Workspace:
    """One workspace of the fleet listing, read as leniently as the other models.

    A slotted pydantic dataclass, not a BaseModel: the poller holds one per workspace (50,000 in
    the largest fleet benchmarked) and a BaseModel's instance dict and fields-set cost ~1.4 KB a
    workspace where slots cost ~0.2 KB (benchmark 2: 69 MB against 11 MB at 50,000). Validation is
    the same pydantic-core schema; the three BaseModel methods callers use are kept below.
    Frozen: the client hands the same object to consecutive listings while it is unchanged.
    """

    name: Shared
    sync_enabled: bool = True
    last_sync: Timestamp = None
    # Kept as a plain string: an unknown status is shown as given, never a crash.
    status: Shared = "unknown"
    next_sync: Timestamp = None
    sync_interval: SharedText = None
    auto_apply: bool | None = None
    open_conflicts: Count = 0
    current_run_id: Text = None
    message: Text = None
    last_run_id: Text = None  # [ASSUMED] the run that set last_sync: where its log is

    @classmethod
    def model_validate(cls, data: Any) -> Workspace:
        """Like BaseModel.model_validate: a ValidationError for anything that is not one."""
        found: Workspace = cls.__pydantic_validator__.validate_python(data)  # type: ignore[attr-defined]
        return found

    def model_dump(self, *, mode: Literal["json", "python"] = "python") -> dict[str, Any]:
        dumped: dict[str, Any] = self.__pydantic_serializer__.to_python(self, mode=mode)  # type: ignore[attr-defined]
        return dumped

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Workspace:
        return dataclasses.replace(self, **(update or {}))

    @staticmethod
    def listing_json(workspaces: Sequence[Workspace]) -> str:
        """The listing as JSON text, written straight from the models (each model dumped to a
        dict first cost 58 MB for a moment at 50,000 workspaces: bench/poll_tick)."""
        return _LISTING.dump_json(list(workspaces)).decode()


_LISTING = TypeAdapter(list[Workspace])


class WorkspaceList(_Model):
    workspaces: list[Workspace] = Field(default_factory=list)


class _Kept(BaseModel):
    # PUT replaces the whole config: fields fsync does not know must survive read-modify-write.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class WorkspaceConfig(_Kept):
    enabled: bool = True
    sync_interval: str = "10m"
    auto_apply: bool = False


class Config(_Kept):
    enabled: bool = True
    workspaces: dict[str, WorkspaceConfig] = Field(default_factory=dict)
    conflict_resolution: str = ConflictResolution.MANUAL.value


class PlannedResource(_Model):
    address: str = ""
    action: Text = None


class Plan(_Model):
    """[ASSUMED] what a run waiting for approval would change."""

    add: Count = 0
    change: Count = 0
    destroy: Count = 0
    resources: list[PlannedResource] = Field(default_factory=list)


def _lenient_plan(value: Any) -> Any:
    # A plan fsync cannot read is no plan, never a run fsync cannot follow.
    return value if isinstance(value, dict | Plan) else None


class Run(_Model):
    id: str
    workspace: Text = None
    status: str = "queued"
    trigger: Text = None
    requested_by: Text = None
    created_at: Timestamp = None
    started_at: Timestamp = None
    finished_at: Timestamp = None
    message: Text = None
    conflict_ids: list[str] = Field(default_factory=list)
    # [ASSUMED] pages for people: the run, and its whole log (shown as links, never fetched).
    url: Text = None
    log_url: Text = None
    # [ASSUMED] approvals (docs/firestartr-sync-api.md, "Plans that wait for a yes").
    plan: Annotated[Plan | None, BeforeValidator(_lenient_plan)] = None
    expires_at: Timestamp = None
    decided_by: Text = None
    decided_at: Timestamp = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_RUN_STATUSES

    @property
    def awaiting_approval(self) -> bool:
        return self.status == RunStatus.AWAITING_APPROVAL


class ChangedAttribute(_Model):
    path: str = ""
    desired: Any = None
    actual: Any = None
    sensitive: bool = False


class ConflictResource(_Model):
    address: str = ""
    action: Text = None
    changed_attributes: list[ChangedAttribute] = Field(default_factory=list)


class Conflict(_Model):
    id: str
    workspace: Text = None
    run_id: Text = None
    type: Text = None
    status: str = "open"
    detected_at: Timestamp = None
    summary: Text = None
    resources: list[ConflictResource] = Field(default_factory=list)
    allowed_resolutions: list[str] = Field(default_factory=list)
    resolution: Text = None
    resolved_by: Text = None
    resolved_at: Timestamp = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class ConflictList(_Model):
    conflicts: list[Conflict] = Field(default_factory=list)


class ResolveResult(_Model):
    conflict: Conflict
    run: Run | None = None


class ErrorBody(_Model):
    """The API's error body: `{"error", "message", "code"}` plus optional extras."""

    error: str = "unknown_error"
    message: Text = None
    code: int | None = None
    details: Any = None
    request_id: Text = None
    retry_after: float | None = None
    run_id: Text = None
    conflict: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
