"""Every action_id and callback_id, defined once: the views that draw them and the listeners that
handle them import the same names. Button values are decoded through `ActionValue`."""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import StaleAction


class Action(StrEnum):
    SYNC = "fsync_sync"  # draws a confirm dialog when the workspace is protected
    SYNC_CONFIRMED = "fsync_sync_confirmed"
    EDIT_CONFIG = "fsync_edit_config"
    SHOW_CONFLICTS = "fsync_show_conflicts"
    RESOLVE = "fsync_resolve"
    RESOLVE_CONFIRMED = "fsync_resolve_confirmed"
    CONFIG_CONFIRMED = "fsync_config_confirmed"
    STATUS_PAGE = "fsync_status_page"
    REFRESH_HOME = "fsync_refresh_home"


class View(StrEnum):
    EDIT_CONFIG = "fsync_edit_config_modal"
    CONFIRM_AUTO_APPLY = "fsync_confirm_auto_apply_modal"


class Block(StrEnum):
    ENABLED = "fsync_enabled"
    INTERVAL = "fsync_interval"
    AUTO_APPLY = "fsync_auto_apply"


class ActionValue(BaseModel):
    """What a button carries. Short keys keep values far below Slack's 2,000 characters."""

    model_config = ConfigDict(extra="ignore")

    w: str | None = None  # workspace
    c: str | None = None  # conflict id
    r: str | None = None  # resolution
    p: int | None = None  # page
    # Config changes, checked strictly by bot.core.changes wherever they are used.
    ch: dict[str, object] | None = None

    def encode(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | None) -> ActionValue:
        try:
            return cls.model_validate_json(raw or "{}")
        except (ValidationError, ValueError):
            raise StaleAction("That button is out of date. Run the command again.") from None
