"""Config changes: which settings fsync changes, with which values, and applying them.

Every change goes through a strict model before anything is sent, whatever carried it: the
command parser, a confirm button's value, a modal's private_metadata. The last two come back from
Slack and can be edited on the way, so a setting fsync does not know, or a value of the wrong type
(`"maybe"` for a switch), is refused here and never reaches a PUT.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
)

from bot.core.durations import normalise_interval
from bot.errors import InvalidChanges, UsageError
from bot.firestartr.models import Config, ConflictResolution, WorkspaceConfig


def _interval(value: str) -> str:
    try:
        return normalise_interval(value)
    except UsageError as exc:
        raise ValueError(exc.user_message) from None


class _Changes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # A field left out is "no change"; a field sent as null is not a value fsync sends.
        if value is None:
            raise ValueError("needs a value")
        return value


class WorkspaceChanges(_Changes):
    enabled: StrictBool | None = None
    sync_interval: Annotated[StrictStr, AfterValidator(_interval)] | None = None
    auto_apply: StrictBool | None = None


class GlobalChanges(_Changes):
    enabled: StrictBool | None = None
    conflict_resolution: ConflictResolution | None = None


_WHAT = {
    "enabled": "takes on or off",
    "auto_apply": "takes on or off",
    "sync_interval": "is an interval from 1m to 7d, like 15m",
    "conflict_resolution": "is one of " + ", ".join(c.value for c in ConflictResolution),
}


def _problem(error: Any, scope: str) -> str:
    loc = error.get("loc") or ()
    key = str(loc[0])[:40].replace("`", "") if loc else ""
    if not key:
        return "they are not a set of settings"
    if error.get("type") == "extra_forbidden":
        return f"`{key}` is not a setting fsync changes in {scope}"
    return f"`{key}` {_WHAT.get(key, 'has a value fsync does not send')}"


def parse_changes(raw: object, *, workspace: str | None) -> dict[str, Any]:
    """The changes as plain values (only the settings given), or InvalidChanges saying why."""
    model = WorkspaceChanges if workspace is not None else GlobalChanges
    scope = "a workspace" if workspace is not None else "the global config"
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(dict.fromkeys(_problem(e, scope) for e in exc.errors()))
        raise InvalidChanges(
            f"Those config changes are not valid ({problems}), so nothing was changed."
        ) from None
    changes = parsed.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise InvalidChanges("Those config changes are empty, so nothing was changed.")
    return changes


def apply_changes(
    config: Config, workspace: str | None, changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply parsed `changes` to `config` in place; the values before and after."""
    if workspace is None:
        before = {key: getattr(config, key) for key in changes}
        for key, value in changes.items():
            setattr(config, key, value)
        return before, {key: getattr(config, key) for key in changes}
    current = config.workspaces[workspace]
    before = {key: getattr(current, key) for key in changes}
    config.workspaces[workspace] = WorkspaceConfig.model_validate(
        {**current.model_dump(), **changes}
    )
    return before, {key: getattr(config.workspaces[workspace], key) for key in changes}


_RESOLUTION_WORDS = {
    "manual": "each conflict waits for someone to decide",
    "apply_desired": "every conflict is settled by applying the code, without anyone deciding",
    "accept_remote": "every conflict is settled by keeping what is in the cloud, without anyone "
    "deciding",
}


def confirmation(
    config: Config, workspace: str | None, changes: dict[str, Any]
) -> tuple[str, str] | None:
    """What to ask before applying parsed `changes`, and the confirm button's label; None when
    the change needs no second thought. Asked only when the change changes something."""
    if workspace is not None:
        current = config.workspaces[workspace]
        if changes.get("auto_apply") is True and not current.auto_apply:
            return (
                f"Turn on auto_apply for `{workspace}`? Its syncs will then apply changes to "
                "real infrastructure without review.",
                "Turn on auto_apply",
            )
        return None
    if changes.get("enabled") is False and config.enabled:
        return (
            "Turn off syncing for the whole fleet? No workspace syncs until an admin types "
            "`/fsync config enabled=on`.",
            "Stop all syncs",
        )
    new = changes.get("conflict_resolution")
    if new is not None and new != config.conflict_resolution:
        return (
            f"Change conflict_resolution from `{config.conflict_resolution}` to `{new}`? "
            f"Then {_RESOLUTION_WORDS.get(new, 'conflicts are handled differently')}.",
            "Change it",
        )
    return None
