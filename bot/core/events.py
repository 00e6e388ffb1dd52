"""The event types an alert route can ask for (`/fsync subscribe <glob> [types]`). Defined in the
core because the command parser checks them; the alert pipeline maps its finer event kinds onto
these (bot.alerts.model.EVENT_TYPE_OF). The values are what stored routes hold, never changed."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    FAILED = "failed"
    CONFLICT = "conflict"
    RECOVERED = "recovered"
    STALLED = "stalled"
    API = "api"
    APPROVAL = "approval"  # a plan waiting for a yes


EVENT_TYPES: tuple[str, ...] = tuple(EventType)
