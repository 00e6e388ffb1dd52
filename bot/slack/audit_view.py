"""`/fsync audit`: each audit row as a sentence a person reads, never as code.

    <@U1> changed billing-api: auto-apply off → on
    <@U2> tried to mute `prod*` for 2h — refused: needs the operator role
    <@U1> asked to change dev: no change, interval was already 15m

A row is (user, action, workspace, args, outcome, detail); `args` is whatever the write stored
(bot.core.service, bot.alerts.service), so every field is read defensively: a row written by an
older fsync, or args that came back from Slack edited, still read as a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.core import words
from bot.core.durations import humanize
from bot.slack.blocks import ago, clip, code, esc, header, message, pack_lines, section, user
from bot.slack.conflict_views import label

Message = dict[str, Any]
Args = dict[str, Any]
MARKS = {
    "ok": ":white_check_mark:",
    "denied": ":no_entry:",
    "error": ":x:",
    "pending": ":hourglass_flowing_sand:",  # sent; its outcome not recorded (yet)
    "no change": ":heavy_minus_sign:",
}
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
_NEEDS_ROLE = re.compile(r"you need the (\w+) role", re.IGNORECASE)


def _value(value: object) -> str:
    """A setting's value as a person writes it: on/off, never True/False or a repr."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "unset"
    return esc(clip(str(value), 60))


def _setting(key: object) -> str:
    return esc(clip(words.setting(str(key)), 40))


def _glob(args: Args) -> str:
    glob = args.get("glob")
    return code(clip(str(glob), 90)) if glob else ""


def _channel(args: Args) -> str:
    channel = str(args.get("channel") or "")
    if _CHANNEL_ID.match(channel):
        return f"<#{channel}>"
    return esc(channel) if channel else "a channel"


def _workspace(workspace: str) -> str:
    return esc(workspace) if workspace else "a workspace"


# --- what each action did: (past tense, infinitive) ---------------------------------------------
def _sync(workspace: str, args: Args) -> tuple[str, str]:
    what = f"a sync of {_workspace(workspace)}"
    confirmed = "confirmed and started" if args.get("confirmed") is True else "started"
    return f"{confirmed} {what}", f"start {what}"


def _config(workspace: str, args: Args) -> tuple[str, str]:
    target = esc(workspace) if workspace else "the global config"
    before, after = args.get("before"), args.get("after")
    changes = args.get("changes")
    if isinstance(before, dict) and isinstance(after, dict):
        if _no_change(args):
            kept = " and ".join(f"{_setting(k)} was already {_value(v)}" for k, v in after.items())
            return f"asked to change {target}: no change, {kept}", f"change {target}"
        moved = [
            f"{_setting(k)} {_value(before.get(k))} → {_value(v)}"
            for k, v in after.items()
            if before.get(k) != v
        ]
        return f"changed {target}: {', '.join(moved)}", f"change {target}"
    wanted = ""
    if isinstance(changes, dict) and changes:
        wanted = ": " + ", ".join(f"{_setting(k)} → {_value(v)}" for k, v in changes.items())
    return f"changed {target}{wanted}", f"change {target}{wanted}"


def _no_change(args: Args) -> bool:
    before, after = args.get("before"), args.get("after")
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return False
    return all(before.get(key) == value for key, value in after.items())


def _resolve(workspace: str, args: Args) -> tuple[str, str]:
    conflict = args.get("conflict_id")
    which = f"the conflict {code(clip(str(conflict), 60))}" if conflict else "a conflict"
    where = f" in {esc(workspace)}" if workspace else ""
    how = args.get("resolution")
    decided = f": {label(str(how)).lower()}" if how else ""
    return f"resolved {which}{where}{decided}", f"resolve {which}{where}{decided}"


def _subscribe(workspace: str, args: Args) -> tuple[str, str]:
    events = args.get("events")
    which = ", ".join(esc(e) for e in events) if isinstance(events, list) and events else ""
    what = f"alerts for {_glob(args)}" if args.get("glob") else "alerts"
    if which:
        what += f": {which}"
    where = _channel(args)
    return f"subscribed {where} to {what}", f"subscribe {where} to {what}"


def _unsubscribe(workspace: str, args: Args) -> tuple[str, str]:
    what = f"alerts for {_glob(args)}" if args.get("glob") else "alerts"
    where = _channel(args)
    return f"unsubscribed {where} from {what}", f"unsubscribe {where} from {what}"


def _mute(workspace: str, args: Args) -> tuple[str, str]:
    what = _glob(args) or "alerts"
    seconds = args.get("seconds")
    if isinstance(seconds, int | float) and seconds > 0:
        what += f" for {humanize(seconds)}"
    reason = args.get("reason")
    if reason:
        what += f": {esc(clip(str(reason), 200))}"
    return f"muted {what}", f"mute {what}"


def _unmute(workspace: str, args: Args) -> tuple[str, str]:
    what = f"the mute on {_glob(args)}" if args.get("glob") else "a mute"
    return f"ended {what}", f"end {what}"


ACTIONS: dict[str, Callable[[str, Args], tuple[str, str]]] = {
    "sync": _sync,
    "config": _config,
    "resolve": _resolve,
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "mute": _mute,
    "unmute": _unmute,
}


def _other(action: str, workspace: str) -> tuple[str, str]:
    where = f" on {esc(workspace)}" if workspace else ""
    return f"used {code(clip(action, 40))}{where}", f"use {code(clip(action, 40))}{where}"


def _reason(detail: str) -> str:
    """Why it was refused, short: "needs the operator role" rather than the whole answer."""
    needed = _NEEDS_ROLE.search(detail)
    if needed:
        return f"needs the {esc(needed.group(1).lower())} role"
    return esc(clip(detail.strip(), 150)) or "no reason recorded"


def sentence(entry: dict[str, Any]) -> tuple[str, str]:
    """(mark, sentence) for one audit row."""
    action = str(entry.get("action") or "")
    workspace = str(entry.get("workspace") or "")
    args = entry.get("args")
    args = args if isinstance(args, dict) else {}
    outcome = str(entry.get("outcome") or "")
    detail = str(entry.get("detail") or "")
    build = ACTIONS.get(action)
    done, to_do = build(workspace, args) if build else _other(action, workspace)
    who = user(str(entry.get("user_id") or ""))
    if outcome == "denied":
        return MARKS["denied"], f"{who} tried to {to_do} — refused: {_reason(detail)}"
    if outcome == "error":
        failed = esc(clip(detail.strip(), 150)) or "no reason recorded"
        return MARKS["error"], f"{who} tried to {to_do} — failed: {failed}"
    if outcome == "pending":
        return MARKS["pending"], f"{who} asked to {to_do} — sent; outcome not recorded yet"
    if outcome == "ok" and action == "config" and _no_change(args):
        return MARKS["no change"], f"{who} {done}"
    return MARKS.get(outcome, "•"), f"{who} {done}"


def audit_message(entries: list[dict[str, Any]], workspace: str | None, now: datetime) -> Message:
    where = f" for {esc(workspace)}" if workspace else ""
    if not entries:
        text = f"No actions recorded{where} yet."
        return message(text, [section(text)])
    lines = []
    for entry in entries:
        try:
            when = ago(datetime.fromisoformat(str(entry.get("at"))), now)
        except ValueError:
            when = "at an unknown time"
        mark, said = sentence(entry)
        lines.append(f"{mark} {said} · {when}")
    return message(f"Audit log{where}", [header(f"Audit log{where}"), *pack_lines(lines)])
