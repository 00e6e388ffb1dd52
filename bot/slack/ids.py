"""Every action_id and callback_id, defined once: the views that draw them and the listeners that
handle them import the same names. Button values are decoded through `ActionValue`."""

from __future__ import annotations

import json
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import StaleAction


class Action(StrEnum):
    SYNC = "fsync_sync"  # draws a confirm dialog when the workspace is protected
    SYNC_CONFIRMED = "fsync_sync_confirmed"
    EDIT_CONFIG = "fsync_edit_config"
    SHOW_CONFLICTS = "fsync_show_conflicts"
    RESOLVE = "fsync_resolve"  # + ":<resolution>": see resolve_action
    RESOLVE_CONFIRMED = "fsync_resolve_confirmed"
    CONFIG_CONFIRMED = "fsync_config_confirmed"
    STATUS_PAGE = "fsync_status_page"
    REFRESH_HOME = "fsync_refresh_home"
    VIEW_DIFF = "fsync_view_diff"  # opens a conflict's whole diff in a modal (App Home)
    VIEW_LOG = "fsync_view_log"  # opens the last lines of a run's log in a modal
    # A plan that waits for a yes: the run card's buttons (`_confirmed`: after Slack's dialog).
    APPROVE = "fsync_run_approve"
    APPROVE_CONFIRMED = "fsync_run_approve_confirmed"
    DISCARD = "fsync_run_discard"
    DISCARD_CONFIRMED = "fsync_run_discard_confirmed"


# Slack refuses two buttons with one action_id in a block (`invalid_blocks`), so each resolution
# button gets its own: `fsync_resolve:apply_desired`. What to do is still read from the button's
# value; cards posted before this change carry the plain `fsync_resolve` and still match.
RESOLVE_PATTERN = re.compile(
    rf"^(?:{re.escape(Action.RESOLVE)}|(?P<confirmed>{re.escape(Action.RESOLVE_CONFIRMED)}))"
    r"(?::.+)?$"
)
_SAFE_SUFFIX = re.compile(r"^[a-z0-9_]{1,64}$")


def resolve_action(resolution: str, n: int, *, confirmed: bool) -> str:
    """The action_id of the `n`th resolution button; an unusual resolution name from the API
    becomes `~n`, which no plain name can equal."""
    suffix = resolution if _SAFE_SUFFIX.match(resolution) else f"~{n}"
    return f"{Action.RESOLVE_CONFIRMED if confirmed else Action.RESOLVE}:{suffix}"


def is_confirmed_resolve(action_id: str) -> bool:
    match = RESOLVE_PATTERN.match(action_id)
    return bool(match and match.group("confirmed"))


class View(StrEnum):
    EDIT_CONFIG = "fsync_edit_config_modal"
    RUN_LOG = "fsync_run_log_modal"
    CONFIRM_AUTO_APPLY = "fsync_confirm_auto_apply_modal"


class Block(StrEnum):
    ENABLED = "fsync_enabled"
    INTERVAL = "fsync_interval"
    AUTO_APPLY = "fsync_auto_apply"
    # An alert card's first line: a click that resolves its conflict rewrites it in place.
    HEADLINE = "fsync_headline"
    # The line a "Sync now" click adds to the card it was pressed on.
    SYNC_NOTE = "fsync_sync_note"
    # The Approve / Discard buttons of a run card.
    APPROVAL = "fsync_approval"


class ActionValue(BaseModel):
    """What a button carries. On the wire each field has a one- or two-letter key (its alias) so
    values stay far below Slack's 2,000 characters; buttons posted before the fields had names
    carry the same keys and still decode."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    workspace: str | None = Field(default=None, alias="w")
    conflict_id: str | None = Field(default=None, alias="c")
    resolution: str | None = Field(default=None, alias="r")
    page: int | None = Field(default=None, alias="p")
    # Config changes, checked strictly by bot.core.changes wherever they are used.
    changes: dict[str, object] | None = Field(default=None, alias="ch")
    # The run a View log, Approve or Discard button is about (its workspace in `workspace`).
    run_id: str | None = Field(default=None, alias="ru")

    def encode(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True, by_alias=True), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | None) -> ActionValue:
        try:
            return cls.model_validate_json(raw or "{}")
        except (ValidationError, ValueError):
            raise StaleAction("That button is out of date. Run the command again.") from None
