"""What `/fsync owners` and `/fsync notify` answer, and the owners line of an alert card. Pure.

Owner mentions (`<@U…>`, `<!subteam^S…>`) are written only where notifying them is the point, the
alert card, and in answers only the person who asked sees (ephemeral messages notify no one
else, and there Slack shows the names). Everything typed is echoed escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core.owners import Assignment, Changed
from bot.slack.blocks import Block, code, context, esc, message, pack_lines, section, user

Message = dict[str, Any]
_USER = re.compile(r"^[UW][A-Z0-9]+$")
_GROUP = re.compile(r"^S[A-Z0-9]+$")


def mention(owner_id: str) -> str:
    """A Slack id as the mention that notifies it; anything else escaped (it notifies no one)."""
    if _GROUP.match(owner_id):
        return f"<!subteam^{owner_id}>"
    if _USER.match(owner_id):
        return f"<@{owner_id}>"
    return esc(owner_id)


def mentions(owners: Sequence[str]) -> str:
    return ", ".join(mention(o) for o in owners)


def owners_line(owners: Sequence[str]) -> str:
    """The alert card's line that calls the owners (empty when there are none)."""
    return f":bust_in_silhouette: Owners: {mentions(owners)}" if owners else ""


def owners_listing(found: Sequence[Assignment], glob: str | None) -> Message:
    if not found:
        where = f" for `{esc(glob)}`" if glob else ""
        text = (
            f"No owners{where} yet. `/fsync owners prod* @person @group` makes alert cards "
            "of matching workspaces mention them."
        )
        return message(text, [section(text)])
    lines = [f"• {code(a.glob)}: {mentions(a.owners)} · set by {user(a.by)}" for a in found]
    title = "*Owners* (failure, conflict, stall and approval cards mention them once per problem)"
    return message("Owners", [section(title), *pack_lines(lines)])


def owners_changed(done: Changed) -> Message:
    before = mentions(done.before) or "no one"
    if done.after:
        text = f"Owners of {code(done.glob)}: {mentions(done.after)} (before: {before})."
    else:
        text = f"{code(done.glob)} has no owners now (before: {before})."
    if done.matching:
        names = ", ".join(esc(n) for n in done.matching[:10])
        more = f" and {len(done.matching) - 10} more" if len(done.matching) > 10 else ""
        text += f"\nToday it covers {names}{more}."
    else:
        text += f"\nIt covers no workspace today.{esc(done.hint)}"
    return message(f"Owners of {esc(done.glob)} changed", [section(text)])


def notify_setting(on: bool, *, changed: bool = False) -> Message:
    state, other = ("on", "off") if on else ("off", "on")
    head = "Done: DMs" if changed else "DMs"
    text = (
        f"{head} when a sync you started ends are *{state}*. "
        f"`/fsync notify {other}` turns them {other}."
    )
    return message(text, [section(text)])


def notify_home_line(on: bool) -> Block:
    state, other = ("on", "off") if on else ("off", "on")
    return context(f":bell: DMs when a sync you started ends: *{state}* · `/fsync notify {other}`")
