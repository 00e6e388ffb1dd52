"""The alert pipeline's data: what was seen, what happened, where it goes. Plain values only."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from bot.core.events import EventType

SYNC_API_WORKSPACE = ""  # the workspace of the Sync API's own episodes (stored; no real one is "")
STORM = 5  # more new cards than this for one channel in one poll become one digest


class EventKind(StrEnum):
    """What a piece of alert news is. An episode opens with failed, conflict, stalled or api;
    the rest is news about one already open. The values are stored in the outbox and episodes."""

    FAILED = "failed"
    REPEAT = "repeat"  # failed again, at a later sync
    CONFLICT = "conflict"
    RESOLVED = "resolved"  # its conflicts are gone
    STALLED = "stalled"
    RECOVERED = "recovered"
    GONE = "gone"  # left the fleet or was disabled
    API = "api"  # the Sync API itself is unreachable
    REMINDER = "reminder"  # a mute ended on a problem still open
    APPROVAL = "approval"  # a plan waits for a yes (bot/alerts/approvals.py)
    DECIDED = "decided"  # ... and no longer does: approved, discarded or expired


# Event kind -> the subscription event type that routes it (bot.core.events.EventType).
EVENT_TYPE_OF: dict[str, EventType] = {
    EventKind.FAILED: EventType.FAILED,
    EventKind.REPEAT: EventType.FAILED,
    EventKind.CONFLICT: EventType.CONFLICT,
    EventKind.RESOLVED: EventType.CONFLICT,
    EventKind.STALLED: EventType.STALLED,
    EventKind.RECOVERED: EventType.RECOVERED,
    EventKind.GONE: EventType.RECOVERED,
    EventKind.API: EventType.API,
    EventKind.APPROVAL: EventType.APPROVAL,
    EventKind.DECIDED: EventType.APPROVAL,
}
# News that only refreshes a card, with no thread reply: the workspace left the fleet, a plan
# is no longer waiting (the run's own card follows the rest).
QUIET = frozenset({EventKind.GONE, EventKind.DECIDED})
# News that does not open a card where there is none: it would only say "it's over".
CLOSING = frozenset({EventKind.GONE, EventKind.RESOLVED, EventKind.DECIDED})


def digest_of(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16]  # noqa: S324


class WorkspaceSnapshot(NamedTuple):
    """One workspace as the last poll saw it: the fields whose change can mean an event."""

    status: str
    message: str | None
    last_sync: datetime | None
    open_conflicts: int
    stalled: bool
    episode: str | None  # its open episode, if any


@dataclass(frozen=True, slots=True)
class Episode:
    """One stretch of a workspace (or the Sync API) being broken, from first news to recovery."""

    id: str
    workspace: str
    kind: str  # what opened it: failed | conflict | stalled | api | approval
    opened_at: datetime
    status: str  # the workspace's status at the latest news
    message: str | None = None  # the latest error text
    first_message: str | None = None  # the text it opened with: digests group by it
    failures: int = 0
    # Open conflicts as the API sent them; for an `approval` episode, the one run whose plan
    # waits (see `waiting_run`): the same stored JSON column, no schema change.
    conflicts: tuple[dict[str, Any], ...] = ()
    closed_at: datetime | None = None
    closed_how: str | None = None  # recovered | gone

    @property
    def is_api(self) -> bool:
        return self.workspace == SYNC_API_WORKSPACE

    @property
    def waiting_run(self) -> dict[str, Any] | None:
        """The run (as the API sent it, plan included) an approval episode is about."""
        if self.kind != EventKind.APPROVAL or not self.conflicts:
            return None
        return self.conflicts[0]

    @property
    def problem(self) -> str:
        """What is wrong now, for routing reminders: failed, conflict, stalled or api."""
        if self.is_api:
            return EventType.API
        return self.status if self.status in (EventType.FAILED, EventType.CONFLICT) else self.kind


class Decision(NamedTuple):
    """What was decided about a conflict, by whom and when (None when nobody says)."""

    by: str | None
    resolution: str | None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    # failed conflict stalled api (opening or news); repeat resolved recovered gone reminder (news)
    kind: str
    episode: Episode  # its state after this event
    opens: bool = False
    anchor: str = ""  # what makes this piece of news distinct: part of its idempotency key
    note: str = ""  # why a card appears now (a reminder says which mute ended)

    @property
    def event_type(self) -> str:
        if self.episode.is_api:
            return EventType.API
        if self.kind == EventKind.REMINDER:
            return self.episode.problem
        return EVENT_TYPE_OF[self.kind]

    @property
    def quiet(self) -> bool:
        return self.kind in QUIET

    @property
    def closing(self) -> bool:
        return self.kind in CLOSING

    @property
    def key(self) -> str:
        return f"{self.episode.id}:{self.kind}:{self.anchor}"


@dataclass(frozen=True, slots=True)
class Route:
    channel: str
    glob: str
    events: frozenset[str] = frozenset()  # empty: every event type
    default: bool = False  # FSYNC_ALERT_CHANNEL: every workspace, every event
    created_by: str = ""

    def wants(self, workspace: str, event_type: str) -> bool:
        if self.events and event_type not in self.events:
            return False
        return workspace == SYNC_API_WORKSPACE or fnmatchcase(workspace, self.glob)


@dataclass(frozen=True, slots=True)
class Mute:
    glob: str
    until: datetime
    reason: str = ""
    user_id: str = ""
    reminded: bool = False

    def matches(self, workspace: str) -> bool:
        # Only a mute of everything silences the Sync API's own alerts.
        return (
            self.glob == "*"
            if workspace == SYNC_API_WORKSPACE
            else fnmatchcase(workspace, self.glob)
        )

    def covers(self, workspace: str, now: datetime) -> bool:
        return self.until > now and self.matches(workspace)


class DeliveryOp(StrEnum):
    """The Slack call a delivery makes; the values are the outbox `op` column: never change one."""

    POST = "post"  # chat.postMessage: a new card or line in the channel
    REPLY = "reply"  # chat.postMessage in the thread of the delivery's card
    UPDATE = "update"  # chat.update of the delivery's card
    # files_upload_v2 (getUploadURLExternal, the bytes, completeUploadExternal) of the PNG in
    # the payload, shared in the channel (bot/alerts/uploads.py)
    UPLOAD = "upload"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Slack call to make, as stored in the outbox."""

    key: str
    channel: str
    op: DeliveryOp
    card: str | None  # the card a post creates, or the card a reply or update is about
    payload: dict[str, Any]
    state: str = "pending"  # pending | muted | undeliverable (kept, never sent)
    kind: str = ""
    episode: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    """A Slack message fsync keeps up to date: one episode's card, or a digest of many."""

    key: str
    channel: str
    kind: str  # card | digest | news
    episodes: tuple[str, ...] = ()


@dataclass
class Plan:
    """What one tick decided to say: cards to create and deliveries to queue."""

    cards: list[Card] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


# Who resolved a conflict through fsync: conflict id -> (user id, resolution).
Resolutions = Mapping[str, Decision]
