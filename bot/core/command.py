"""What `/fsync` was asked to do: one frozen type per subcommand, and `Command`, their union.

`bot.core.parser.parse` builds them from what was typed; the Slack layer dispatches on the type
(`match cmd: case Sync(): ...`). Each type holds exactly what its subcommand takes: a field the
grammar requires has no default, so no handler has to check that it is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.schedule import Schedule

# `name` (a class attribute, not a field) is the word typed after /fsync.


@dataclass(frozen=True)
class Help:
    name: ClassVar[str] = "help"


@dataclass(frozen=True)
class Status:
    name: ClassVar[str] = "status"
    workspace: str | None = None  # None: the whole fleet


@dataclass(frozen=True)
class Sync:
    name: ClassVar[str] = "sync"
    workspace: str


@dataclass(frozen=True)
class ShowConfig:
    name: ClassVar[str] = "config"
    workspace: str | None = None  # None: the global config


@dataclass(frozen=True)
class ChangeConfig:
    name: ClassVar[str] = "config"
    workspace: str | None  # None: the global config
    changes: dict[str, object]  # never empty: `config <workspace>` alone is a ShowConfig


@dataclass(frozen=True)
class Conflicts:
    name: ClassVar[str] = "conflicts"
    workspace: str | None = None


@dataclass(frozen=True)
class Audit:
    name: ClassVar[str] = "audit"
    workspace: str | None = None


HISTORY_DAYS = (7, 30, 90)  # the periods `history` covers, typed as 7d, 30d, 90d


@dataclass(frozen=True)
class History:
    name: ClassVar[str] = "history"
    workspace: str
    days: int = 7  # one of HISTORY_DAYS


@dataclass(frozen=True)
class Subscribe:
    name: ClassVar[str] = "subscribe"
    glob: str
    events: tuple[str, ...] = ()  # none named: every event


@dataclass(frozen=True)
class Unsubscribe:
    name: ClassVar[str] = "unsubscribe"
    glob: str
    events: tuple[str, ...] = ()  # none named: the whole route


@dataclass(frozen=True)
class Subscriptions:
    name: ClassVar[str] = "subscriptions"


@dataclass(frozen=True)
class Mute:
    name: ClassVar[str] = "mute"
    glob: str
    seconds: int
    reason: str = ""


@dataclass(frozen=True)
class Unmute:
    name: ClassVar[str] = "unmute"
    glob: str


# --- the requester told, owners called (issue 14) ----------------------------------------------
@dataclass(frozen=True)
class Notify:
    name: ClassVar[str] = "notify"
    on: bool | None = None  # None: say what the setting is


@dataclass(frozen=True)
class Owners:
    name: ClassVar[str] = "owners"
    glob: str | None = None  # None: every assignment


@dataclass(frozen=True)
class SetOwners:
    name: ClassVar[str] = "owners"
    glob: str
    owners: tuple[str, ...]  # Slack ids: U…/W… people, S… user groups; () clears


# --- reports and digests (issue 15) --------------------------------------------------------------
@dataclass(frozen=True)
class ShowReport:
    name: ClassVar[str] = "report"
    days: int = 7  # the period: the last 7 or 30 days


@dataclass(frozen=True)
class ShowDigest:
    name: ClassVar[str] = "digest"


@dataclass(frozen=True)
class SetDigest:
    name: ClassVar[str] = "digest"
    schedule: Schedule


@dataclass(frozen=True)
class DigestOff:
    name: ClassVar[str] = "digest"


ReportCommand = ShowReport | ShowDigest | SetDigest | DigestOff


# The alert subcommands: offered only when this fsync was built with alerts.
AlertCommand = Subscribe | Unsubscribe | Subscriptions | Mute | Unmute
Command = (
    Help
    | Status
    | Sync
    | ShowConfig
    | ChangeConfig
    | Conflicts
    | Audit
    | History
    | AlertCommand
    | Notify
    | Owners
    | SetOwners
    | ReportCommand
)
