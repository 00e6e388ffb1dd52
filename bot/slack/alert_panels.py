"""Block Kit for the alert commands' answers and the App Home section. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.alerts.model import Mute, Route
from bot.core.durations import humanize
from bot.core.words import plural
from bot.slack.alert_lines import channel
from bot.slack.blocks import (
    Block,
    clip,
    code,
    context,
    divider,
    esc,
    message,
    pack_lines,
    section,
    user,
    when,
)

Message = dict[str, Any]
MAX_NAMES = 15


def mute_label(mute: Mute, now: datetime) -> str:
    """`for 1h 20m (planned maintenance)`: how status shows a muted workspace (escaped there)."""
    text = f"for {humanize((mute.until - now).total_seconds())}"
    return text + (f" ({mute.reason})" if mute.reason else "")


def _route_line(route: Route, disabled: Mapping[str, str]) -> str:
    events = ", ".join(sorted(route.events)) if route.events else "all events"
    line = f"• {channel(route.channel)}: {code(route.glob)} ({esc(events)})"
    if route.default:
        line += " · default channel (FSYNC_ALERT_CHANNEL)"
    if route.channel in disabled and route.default:
        line += f" · :hourglass: alerts held: Slack answered {code(disabled[route.channel])}"
    elif route.channel in disabled:
        line += f" · :no_entry: off: Slack answered {code(disabled[route.channel])}"
    return line


def _mute_line(mute: Mute, now: datetime) -> str:
    left = humanize((mute.until - now).total_seconds())
    line = f"• {code(mute.glob)} until {when(mute.until)} ({left} left)"
    if mute.reason:
        line += f": {esc(clip(mute.reason, 200))}"
    return line


def routes_message(
    routes: Sequence[Route],
    disabled: Mapping[str, str],
    mutes: Sequence[Mute],
    now: datetime,
    *,
    everywhere: bool,
) -> Message:
    where = "Alert routes in every channel" if everywhere else "Alert routes of this channel"
    lines = [_route_line(r, disabled) for r in routes] or ["• none yet"]
    blocks: list[Block] = [section(f"*{where}*"), *pack_lines(lines)]
    if mutes:
        blocks += [section("*Active mutes*"), *pack_lines([_mute_line(m, now) for m in mutes])]
    blocks.append(
        context(
            "`/fsync subscribe <glob> [failed conflict recovered stalled api]` adds a route here; "
            "`/fsync mute <glob> <duration> [reason]` silences alerts for a while."
        )
    )
    return message(where, blocks)


def _nothing_matches(glob: str, names: Sequence[str], hint: str) -> str:
    """Said when a pattern covers no workspace of today's fleet (allowed: it covers any that
    appears), with the name it was probably meant to be."""
    if names:
        return ""
    return f" {code(glob)} matches no workspace today; it will cover any that appears.{esc(hint)}"


def subscribed(
    glob: str, events: Sequence[str], replaced: bool, names: Sequence[str], hint: str = ""
) -> Message:
    """`names`: today's workspaces the route covers; `hint`: a "did you mean" when none."""
    what = ", ".join(esc(e) for e in events) if events else "all events"
    verb = "Updated" if replaced else "Subscribed"
    text = (
        f":white_check_mark: {verb}: alerts for {code(glob)} ({what}) will be posted in this "
        "channel. A test line was just posted here." + _nothing_matches(glob, names, hint)
    )
    return message(text, [section(text)])


def unsubscribed(glob: str, left: Sequence[str] = ()) -> Message:
    if left:
        text = (
            f":white_check_mark: Alerts for {code(glob)} in this channel are now "
            f"{esc(', '.join(left))}; the others will no longer be posted here."
        )
    else:
        text = (
            f":white_check_mark: Alerts for {code(glob)} will no longer be posted in this channel."
        )
    return message(text, [section(text)])


def unsubscribed_line(glob: str, events: Sequence[str], by: str) -> Message:
    """What the channel reads: who stopped which alerts here."""
    what = f"{esc(', '.join(events))} alerts" if events else "alerts"
    text = f":no_bell: {user(by)} stopped {what} for {code(glob)} in this channel."
    return message(text, [section(text)])


def muted_line(mute: Mute, now: datetime) -> Message:
    """`@ana muted prod* for 2h: planned maintenance`, for everyone in the channel."""
    text = (
        f":no_bell: {user(mute.user_id)} muted {code(mute.glob)} for "
        f"{humanize((mute.until - now).total_seconds())}"
    )
    if mute.reason:
        text += f": {esc(clip(mute.reason, 200))}"
    return message(text, [section(text)])


def unmuted_line(glob: str, by: str) -> Message:
    text = f":bell: {user(by)} ended the mute on {code(glob)}."
    return message(text, [section(text)])


def muted(mute: Mute, names: Sequence[str], now: datetime, hint: str = "") -> Message:
    text = (
        f":no_bell: Muted {code(mute.glob)} for {humanize((mute.until - now).total_seconds())}, "
        f"until {when(mute.until)}"
    )
    if mute.reason:
        text += f": {esc(clip(mute.reason, 200))}"
    shown = ", ".join(esc(n) for n in names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += f" and {len(names) - MAX_NAMES} more"
    matching = (
        f"It covers {plural(len(names), 'workspace')} now: {shown}."
        if names
        else f"No workspace matches it right now; it applies to any that appears.{esc(hint)}"
    )
    blocks = [
        section(text),
        context(
            matching,
            "Alerts are still recorded, and cards already posted are kept up to date. When the "
            "mute ends, anything still failing gets one reminder.",
        ),
    ]
    return message(text, blocks)


def unmuted(glob: str) -> Message:
    text = (
        f":bell: The mute on {code(glob)} has ended. Anything it covered that is still failing "
        "gets one reminder at the next poll."
    )
    return message(text, [section(text)])


def home_blocks(
    routes: Sequence[Route], disabled: Mapping[str, str], mutes: Sequence[Mute], now: datetime
) -> list[Block]:
    lines = [_route_line(r, disabled) for r in routes[:20]]
    if len(routes) > 20:
        lines.append(f"…and {len(routes) - 20} more: `/fsync subscriptions`")
    blocks: list[Block] = [divider(), section("*Alerts*\n" + ("\n".join(lines) or "No routes."))]
    if mutes:
        blocks.append(section("*Muted*\n" + "\n".join(_mute_line(m, now) for m in mutes[:10])))
    return blocks
