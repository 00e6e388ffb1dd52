"""`parse(text) -> Command`: the `/fsync` grammar, as a pure function (the types: command.py).

Every refusal is a UsageError whose message says what was wrong and what to type instead.
"""

from __future__ import annotations

import re

from bot.core.command import (
    HISTORY_DAYS,
    Audit,
    ChangeConfig,
    Command,
    Conflicts,
    Help,
    History,
    Mute,
    Notify,
    Owners,
    ShowConfig,
    Status,
    Subscribe,
    Subscriptions,
    Sync,
    Unmute,
    Unsubscribe,
)
from bot.core.durations import check_bounds, normalise_interval, parse_duration
from bot.core.escaped import split
from bot.core.events import EVENT_TYPES
from bot.core.owner_words import owners
from bot.core.report_words import digest, report
from bot.errors import UsageError
from bot.firestartr.models import ConflictResolution
from bot.firestartr.names import did_you_mean

_BOOL = {
    "on": True,
    "true": True,
    "yes": True,
    "enabled": True,
    "1": True,
    "off": False,
    "false": False,
    "no": False,
    "disabled": False,
    "0": False,
}
_GLOB = re.compile(r"^[A-Za-z0-9*?\[\]._-]{1,90}$")
MAX_TEXT = 2000
# Subcommands whose first argument is a workspace name or pattern, never a mention.
_NAMED_FIRST = frozenset(
    "status sync config conflicts audit history owners subscribe unsubscribe mute unmute".split()
)


# One line per subcommand: (usage, what it does, example). /fsync help and the README use this.
HELP: list[tuple[str, str, str]] = [
    ("status [workspace]", "fleet overview, or one workspace in detail", "/fsync status staging"),
    ("sync <workspace>", "start a sync now and follow it in this channel", "/fsync sync staging"),
    (
        "config [workspace key=value ...]",
        "show or change sync config (admins)",
        "/fsync config staging interval=15m auto_apply=off enabled=on",
    ),
    (
        "conflicts [workspace]",
        "open conflicts, with buttons to resolve them",
        "/fsync conflicts production",
    ),
    ("audit [workspace]", "the latest actions taken through fsync", "/fsync audit staging"),
    (
        "history <workspace> [7d|30d|90d]",
        "success rate, episodes, time to recovery and a day-by-day timeline (7d if not named)",
        "/fsync history staging 30d",
    ),
    (
        "subscribe <glob> [events]",
        f"send alerts for matching workspaces here ({', '.join(EVENT_TYPES)})",
        "/fsync subscribe prod* failed conflict",
    ),
    (
        "unsubscribe <glob> [events]",
        "stop sending those alerts here (only the events named, if any)",
        "/fsync unsubscribe prod* recovered",
    ),
    (
        "subscriptions",
        "the alert routes of this channel (all channels for admins)",
        "/fsync subscriptions",
    ),
    (
        "mute <glob> <duration> [reason]",
        "record but do not post alerts for a while",
        "/fsync mute dev 2h planned maintenance",
    ),
    ("unmute <glob>", "end a mute now", "/fsync unmute dev"),
    (
        "owners [glob] [@person @group ... | none]",
        "who alert cards of matching workspaces mention (no one named: the list)",
        "/fsync owners prod*",
    ),
    (
        "notify [on|off]",
        "a DM when a sync you started ends (on unless turned off)",
        "/fsync notify",
    ),
    # --- reports and digests (issue 15) ---
    ("report [7d|30d]", "the fleet's report of the period, only to you", "/fsync report 30d"),
    (
        "digest [daily|weekly <HH:MM> [time zone] | off]",
        "post the report here on schedule (weekly: Mondays; zone default UTC)",
        "/fsync digest weekly 09:00 Europe/Madrid",
    ),
    ("help", "this list", "/fsync help"),
]
SUBCOMMANDS = [usage.split()[0] for usage, _, _ in HELP]


def _usage(name: str) -> str:
    for usage, _, example in HELP:
        if usage.split()[0] == name:
            return f"Usage: `/fsync {usage}`, for example `{example}`."
    return "Type `/fsync help` for the list of commands."


def _clean(token: str) -> str:
    return token.strip().strip("`'\"“”‘’")


def _workspace(token: str) -> str:
    # Names are validated (and refused with a clear message) by the client before any request.
    return _clean(token)


def _glob(token: str, name: str) -> str:
    value = _clean(token)
    if not _GLOB.match(value):
        raise UsageError(
            f"`{value[:40]}` is not a workspace name or pattern: use letters, digits, "
            f"`.`, `_`, `-` and `*` (like `prod*`). {_usage(name)}"
        )
    return value


def _config_changes(tokens: list[str]) -> dict[str, object]:
    pairs: list[list[str]] = []
    for token in tokens:
        if "=" in token:
            key, _, value = token.partition("=")
            pairs.append([key.strip().lower(), value])
        elif pairs:
            pairs[-1][1] += " " + token  # `interval=2 hours`
        else:
            raise UsageError(f"Expected `key=value` but got `{token[:40]}`. {_usage('config')}")
    changes: dict[str, object] = {}
    for key, raw in pairs:
        value = _clean(raw)
        if key in ("interval", "sync_interval"):
            changes["sync_interval"] = normalise_interval(value)
        elif key in ("auto_apply", "enabled", "sync_enabled"):
            if value.lower() not in _BOOL:
                raise UsageError(f"`{key}` takes `on` or `off`, not `{value[:40]}`.")
            changes["enabled" if key == "sync_enabled" else key] = _BOOL[value.lower()]
        elif key == "conflict_resolution":
            allowed = [choice.value for choice in ConflictResolution]
            if value not in allowed:
                raise UsageError(
                    f"`conflict_resolution` is one of {', '.join(allowed)}; `{value[:40]}` is not."
                )
            changes[key] = value
        else:
            raise UsageError(
                f"Unknown setting `{key[:40]}`. Workspaces take `interval`, "
                "`auto_apply`, `enabled`; the global config takes `enabled` and "
                "`conflict_resolution`."
            )
    return changes


def _events(tokens: list[str]) -> tuple[str, ...]:
    events = tuple(dict.fromkeys(e.lower().strip(",") for e in tokens if e.strip(",")))
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        raise UsageError(
            f"Unknown event `{unknown[0][:40]}`. Events are "
            f"{', '.join(EVENT_TYPES)} (all of them if you name none)."
            + did_you_mean(unknown[0], EVENT_TYPES)
        )
    return events


def _notify(args: list[str]) -> Notify:
    if not args:
        return Notify()
    if len(args) == 1 and args[0].lower() in ("on", "off"):
        return Notify(args[0].lower() == "on")
    raise UsageError(f"`notify` takes `on` or `off`. {_usage('notify')}")


def _history(args: list[str]) -> History:
    if not args or len(args) > 2:
        raise UsageError(f"`history` needs one workspace (and a period). {_usage('history')}")
    periods = {f"{days}d": days for days in HISTORY_DAYS}
    period = _clean(args[1]).lower() if len(args) == 2 else "7d"
    if period not in periods:
        known = ", ".join(f"`{p}`" for p in periods)
        raise UsageError(f"`history` covers {known}, not `{period[:40]}`. {_usage('history')}")
    return History(_workspace(args[0]), periods[period])


def parse(text: str) -> Command:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise UsageError("That command is too long. Type `/fsync help` for the list of commands.")
    # Slack's escaped forms (`should_escape: true`) read back: bot/core/escaped.py.
    pieces = split(text)
    tokens = [piece.text for piece in pieces]
    if not tokens:
        return Help()
    name, args = tokens[0].lower(), tokens[1:]
    if name in _NAMED_FIRST and args and pieces[1].mention:
        raise UsageError(
            f"`{name}` takes a workspace name or pattern first, not a mention like "
            f"`{args[0][:40]}`. {_usage(name)}"
        )
    if name == "owners":
        return owners(_glob(args[0], "owners"), pieces[2:], _usage("owners")) if args else Owners()
    if name == "notify":
        return _notify(args)
    if name in ("report", "digest"):  # issue 15: bot/core/report_words.py
        return report(args) if name == "report" else digest(args)
    if name in ("help", "-h", "--help", "?"):
        return Help()
    if name in ("status", "conflicts", "audit"):
        if len(args) > 1:
            raise UsageError(f"`{name}` takes at most one workspace. {_usage(name)}")
        workspace = _workspace(args[0]) if args else None
        if name == "status":
            return Status(workspace)
        return Conflicts(workspace) if name == "conflicts" else Audit(workspace)
    if name == "history":
        return _history(args)
    if name == "sync":
        if len(args) != 1:
            raise UsageError(f"`sync` needs exactly one workspace. {_usage('sync')}")
        return Sync(_workspace(args[0]))
    if name == "config":
        if not args:
            return ShowConfig()
        if "=" in args[0]:
            changes = _config_changes(args)
            bad = set(changes) - {"enabled", "conflict_resolution"}
            if bad:
                raise UsageError(
                    f"`{sorted(bad)[0]}` is set per workspace: "
                    f"`/fsync config <workspace> {sorted(bad)[0]}=...`."
                )
            return ChangeConfig(None, changes)
        changes = _config_changes(args[1:])
        if "conflict_resolution" in changes:
            raise UsageError(
                "`conflict_resolution` is global: `/fsync config conflict_resolution=manual`."
            )
        workspace = _workspace(args[0])
        return ChangeConfig(workspace, changes) if changes else ShowConfig(workspace)
    if name in ("subscribe", "unsubscribe", "unmute"):
        if not args:
            raise UsageError(f"`{name}` needs a workspace or pattern. {_usage(name)}")
        glob = _glob(args[0], name)
        if name == "unmute":
            if len(args) > 1:
                raise UsageError(f"`{name}` takes one pattern. {_usage(name)}")
            return Unmute(glob)
        events = _events(args[1:])
        return Subscribe(glob, events) if name == "subscribe" else Unsubscribe(glob, events)
    if name == "subscriptions":
        return Subscriptions()
    if name == "mute":
        if len(args) < 2:
            raise UsageError(f"`mute` needs a pattern and a duration. {_usage('mute')}")
        glob = _glob(args[0], "mute")
        # The duration may be several tokens (`2 hours`); the longest prefix that parses wins.
        for cut in range(min(len(args), 5), 1, -1):
            try:
                seconds = parse_duration(" ".join(args[1:cut]))
            except UsageError:
                continue
            check_bounds(" ".join(args[1:cut]), seconds, 60, 30 * 86400, "a mute lasts")
            return Mute(glob, seconds, reason=" ".join(args[cut:])[:200])
        parse_duration(args[1])  # raises the helpful message
    meant = did_you_mean(name, SUBCOMMANDS, show="`/fsync {}`")
    if meant:
        raise UsageError(f"`{name[:40]}` is not an fsync command.{meant}")
    known = ", ".join(f"`{sub}`" for sub in SUBCOMMANDS)
    raise UsageError(
        f"`{name[:40]}` is not an fsync command. Try one of {known}, or `/fsync help` for examples."
    )
