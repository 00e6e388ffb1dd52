"""Conflict cards: summary, resources and attribute diffs (sensitive values hidden), and one
button per allowed resolution; after a decision, who decided and what."""

from __future__ import annotations

from typing import Any

from bot.core import words
from bot.core.authz import Policy
from bot.firestartr.models import Conflict, Run
from bot.slack.blocks import (
    Block,
    actions,
    button,
    clip,
    code,
    confirm_dialog,
    context,
    divider,
    esc,
    header,
    message,
    pack_lines,
    section,
    user,
)
from bot.slack.ids import ActionValue, resolve_action

Message = dict[str, Any]
RESOLUTION_LABELS = {
    "apply_desired": "Apply desired state",
    "accept_remote": "Accept real state",
    "ignore_once": "Ignore this time",
    "abort": "Abort the run",
}


def label(resolution: str | None) -> str:
    return RESOLUTION_LABELS.get(resolution or "", esc(resolution or "unknown"))


def _attribute(attr: Any) -> str:
    if attr.sensitive:
        return f"{code(attr.path)}: _(sensitive value hidden)_"
    desired, actual = code(clip(str(attr.desired), 120)), code(clip(str(attr.actual), 120))
    return f"{code(attr.path)}: {desired} → {actual}"


def conflict_blocks(
    conflict: Conflict, policy: Policy, *, resolved: str | None = None
) -> list[Block]:
    ws = conflict.workspace or "?"
    lines = [f":warning: *Conflict in {esc(ws)}*: {esc(conflict.summary or conflict.type or '')}"]
    for resource in conflict.resources[:8]:
        lines.append(f"• {code(resource.address)} ({esc(resource.action or 'change')})")
        lines += [f"      {_attribute(a)}" for a in resource.changed_attributes[:6]]
    if len(conflict.resources) > 8:
        lines.append(f"…and {words.plural(len(conflict.resources) - 8, 'more resource')}")
    blocks = pack_lines(lines)
    blocks.append(context(f"{code(conflict.id)} · {esc(conflict.type or 'conflict')}"))
    if resolved:
        blocks.append(section(resolved))
        return blocks
    buttons = resolution_buttons(conflict, policy)
    if buttons is not None:
        blocks.append(buttons)
    return blocks


def resolution_buttons(conflict: Conflict, policy: Policy) -> Block | None:
    """One button per allowed resolution (confirmed first on a protected workspace)."""
    if not (conflict.is_open and conflict.allowed_resolutions):
        return None
    ws = conflict.workspace or "?"
    protected = policy.is_protected(ws)
    elements = []
    # Unique resolutions only: a name listed twice would give two buttons one action_id.
    for n, resolution in enumerate(list(dict.fromkeys(conflict.allowed_resolutions))[:5]):
        value = ActionValue(c=conflict.id, r=resolution, w=ws).encode()
        dialog = None
        if protected:
            dialog = confirm_dialog(
                "Protected workspace",
                f"Resolve the conflict in *{esc(ws)}* with *{label(resolution).lower()}*?",
                "Resolve",
            )
        elements.append(
            button(
                label(resolution),
                resolve_action(resolution, n, confirmed=protected),
                value,
                confirm=dialog,
                style="primary" if resolution == "apply_desired" else None,
            )
        )
    return actions(*elements, block_id=f"resolve:{conflict.id}"[:255])


def unique(conflicts: list[Conflict]) -> list[Conflict]:
    """Each conflict once: one listed twice by the API would repeat its card's block_id."""
    first: dict[str, Conflict] = {}
    for conflict in conflicts:
        first.setdefault(conflict.id, conflict)
    return list(first.values())


def conflicts_message(conflicts: list[Conflict], policy: Policy, workspace: str | None) -> Message:
    conflicts = unique(conflicts)
    where = f" in {esc(workspace)}" if workspace else ""
    if not conflicts:
        text = f":white_check_mark: No open conflicts{where}."
        return message(text, [section(text)])
    blocks: list[Block] = [header(f"{words.plural(len(conflicts), 'open conflict')}{where}")]
    for conflict in conflicts[:8]:
        blocks += [*conflict_blocks(conflict, policy), divider()]
    if len(conflicts) > 8:
        blocks.append(
            context(
                f"…and {len(conflicts) - 8} more: `/fsync conflicts <workspace>` narrows the list."
            )
        )
    return message(f"{words.plural(len(conflicts), 'open conflict')}{where}", blocks)


def resolved_text(by: str, resolution: str | None, run: Run | None = None) -> str:
    text = f":white_check_mark: Resolved by {user(by)}: {label(resolution).lower()}"
    if run is not None:
        text += f" (run {code(run.id)} {esc(words.label(run.status))})"
    return text
