"""Who sees what. Pure functions, re-exported by bot.slack.views.

- An answer only the asker sees carries only the buttons the asker's role can use: a button is
  an invitation, and one that always answers "you need the admin role" is a trap.
- Silencing and re-routing alerts, and config changes, are said in the channel where they were
  typed, in one short line, so the people who rely on those alerts see who changed them.
"""

from __future__ import annotations

from typing import Any

from bot.core import words
from bot.core.authz import Policy, Role, RoleAction
from bot.errors import StaleAction
from bot.slack.blocks import MAX_MESSAGE_BLOCKS, Block, code, context, esc, message, section, user
from bot.slack.ids import RESOLVE_PATTERN, Action, ActionValue

Message = dict[str, Any]
# Keyed by str: a clicked action_id is any string, and an Action is one.
_ACTION_OF: dict[str, RoleAction] = {
    Action.SYNC: RoleAction.SYNC,
    Action.SYNC_CONFIRMED: RoleAction.SYNC,
    Action.EDIT_CONFIG: RoleAction.CONFIG,
    Action.CONFIG_CONFIRMED: RoleAction.CONFIG,
}


def may_press(element: Block, policy: Policy, role: Role) -> bool:
    """Whether `role` may use this button: what it does, on the workspace its value names.
    A button that does not act (Conflicts, Next page, Refresh) is for everyone."""
    action_id = str(element.get("action_id", ""))
    resolves = RESOLVE_PATTERN.match(action_id)
    action = _ACTION_OF.get(action_id) or (RoleAction.RESOLVE if resolves else None)
    if action is None:
        return True
    try:
        workspace = ActionValue.decode(element.get("value")).workspace
    except StaleAction:
        return role is Role.ADMIN  # a value fsync cannot read: no one should be invited to it
    return role >= policy.needed_for(action, workspace)


def usable(blocks: list[Block], policy: Policy, role: Role) -> list[Block]:
    """`blocks` without the buttons `role` cannot use; an actions block left empty goes too,
    and a line says buttons were left out (so an absent button is not a mystery)."""
    kept: list[Block] = []
    hidden = False
    for block in blocks:
        if block.get("type") != "actions":
            kept.append(block)
            continue
        elements = [e for e in block.get("elements", []) if may_press(e, policy, role)]
        hidden = hidden or len(elements) < len(block.get("elements", []))
        if elements:
            kept.append({**block, "elements": elements})
    if hidden and len(kept) < MAX_MESSAGE_BLOCKS:
        kept.append(context(hidden_note(role)))
    return kept


def hidden_note(role: Role) -> str:
    return f":lock: Buttons your role ({role.label}) cannot use are not shown here."


def for_role(payload: Message, policy: Policy, role: Role) -> Message:
    """A message for one person's eyes, with only the buttons their role can use."""
    return {**payload, "blocks": usable(payload.get("blocks", []), policy, role)}


def line(text: str) -> Message:
    """One short line for everyone in a channel."""
    return message(text, [section(text)])


def config_line(
    workspace: str | None, before: dict[str, Any], after: dict[str, Any], by: str
) -> Message:
    """`@ana changed staging: interval 5m → 15m`; None-free, values as people write them."""
    target = esc(workspace) if workspace else "the global config"
    changed = [k for k in after if before.get(k) != after.get(k)]
    what = ", ".join(
        f"{esc(words.setting(k))} {_value(before.get(k))} → {_value(after.get(k))}" for k in changed
    )
    return line(f":gear: {user(by)} changed {target}: {what}")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return code(value)


def not_said(payload: Message, state: str, error: str | None) -> Message:
    """The answer to the person, telling them the channel line did not get there (and why).
    `state` is bot.slack.posting's: posted, refused or unknown."""
    if state == "posted":
        return payload
    if state == "refused":
        why = (
            f":warning: fsync could not say this in the channel (Slack answered "
            f"{code(error or 'an error')}), so only you know about it. Invite fsync with "
            "`/invite @fsync` so the channel sees such changes."
        )
    else:
        why = ":warning: fsync may not have said this in the channel: Slack did not answer."
    blocks = list(payload.get("blocks", []))
    if len(blocks) < MAX_MESSAGE_BLOCKS:
        blocks.append(context(why))
    return {**payload, "blocks": blocks}
