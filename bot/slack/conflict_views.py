"""Conflict cards: summary, resources and attribute diffs (sensitive values hidden), and one
button per allowed resolution; after a decision, who decided and what."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core import words
from bot.core.authz import Policy
from bot.firestartr.models import ChangedAttribute, Conflict, Run
from bot.slack.blocks import (
    MAX_VIEW_BLOCKS,
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
    plain,
    section,
    user,
    when,
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


# Which side is which decides between "Apply desired state" and "Accept real state": both are
# named in words on every line of a diff.
CODE_SIDE, CLOUD_SIDE = "in code", "in the cloud"
EXPLAINED = {
    "apply_desired": "*Apply desired state* changes the cloud to match the code",
    "accept_remote": "*Accept real state* keeps the cloud as it is and takes it into Terraform",
}
MAX_RESOURCES, MAX_ATTRIBUTES = 8, 6


def value_text(value: Any, limit: int = 120) -> str:
    """A value as JSON writes it (true, 3, "x" unquoted, [1,2]), never a Python repr; a value
    one side does not have is `(absent)`."""
    if value is None:
        return "_(absent)_"
    if isinstance(value, str):
        text = value if value else '""'
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):  # the API sent something JSON cannot hold
            text = str(value)
    return code(clip(text, limit))


def attribute_line(attr: ChangedAttribute) -> str:
    if attr.sensitive:
        return f"{code(attr.path)}: _(sensitive value hidden)_"
    return (
        f"{code(attr.path)}: {CODE_SIDE} {value_text(attr.desired)}, "
        f"{CLOUD_SIDE} {value_text(attr.actual)}"
    )


def diff_lines(
    conflict: Conflict, *, resources: int = MAX_RESOURCES, attributes: int = MAX_ATTRIBUTES
) -> list[str]:
    lines = []
    for resource in conflict.resources[:resources]:
        lines.append(f"• {code(resource.address)} ({esc(resource.action or 'change')})")
        lines += [f"      {attribute_line(a)}" for a in resource.changed_attributes[:attributes]]
        if len(resource.changed_attributes) > attributes:
            more = len(resource.changed_attributes) - attributes
            lines.append(f"      …and {words.plural(more, 'more attribute')}")
    if len(conflict.resources) > resources:
        lines.append(f"…and {words.plural(len(conflict.resources) - resources, 'more resource')}")
    return lines


def facts(conflict: Conflict) -> str:
    """`cfl_1 · drift · detected <date>`: when the API found it, not when fsync first looked."""
    parts = [code(conflict.id), esc(conflict.type or "conflict")]
    if conflict.detected_at:
        parts.append(f"detected {when(conflict.detected_at)}")
    return " · ".join(parts)


def explained(conflict: Conflict) -> str:
    found = [EXPLAINED[r] for r in dict.fromkeys(conflict.allowed_resolutions) if r in EXPLAINED]
    return "; ".join(found) + "." if found else ""


def conflict_blocks(
    conflict: Conflict, policy: Policy, *, resolved: str | None = None, buttons: bool = True
) -> list[Block]:
    ws = conflict.workspace or "?"
    head = f":warning: *Conflict in {esc(ws)}*: {esc(conflict.summary or conflict.type or '')}"
    blocks = pack_lines([head, *diff_lines(conflict)])
    if resolved:
        blocks += [context(facts(conflict)), section(resolved)]
        return blocks
    row = resolution_buttons(conflict, policy) if buttons else None
    blocks.append(context(*[t for t in (facts(conflict), explained(conflict) if row else "") if t]))
    if row is not None:
        blocks.append(row)
    return blocks


def diff_summary(conflict: Conflict) -> str:
    """One line for where the whole diff does not fit (App Home): what changed, in numbers."""
    attributes = sum(len(r.changed_attributes) for r in conflict.resources)
    names = ", ".join(code(r.address) for r in conflict.resources[:3])
    if len(conflict.resources) > 3:
        names += f" and {len(conflict.resources) - 3} more"
    counted = f"{_count(len(conflict.resources), 'resource')}, {_count(attributes, 'attribute')}"
    text = f":warning: {esc(conflict.summary or conflict.type or 'Conflict')}"
    return f"{text}\n{counted} differ between code and cloud: {names}" if names else text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def diff_modal(conflict: Conflict) -> dict[str, Any]:
    """The whole diff in a modal (no buttons: they stay on the surface that opened it)."""
    ws = conflict.workspace or "?"
    head = f":warning: *Conflict in {esc(ws)}*: {esc(conflict.summary or conflict.type or '')}"
    lines = diff_lines(conflict, resources=60, attributes=40)
    blocks = [*pack_lines([head, *lines]), context(facts(conflict))]
    if explained(conflict):
        blocks.append(context(explained(conflict)))
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], context("…the rest does not fit here.")]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": plain(f"Diff: {ws}", 24)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def resolution_buttons(conflict: Conflict, policy: Policy) -> Block | None:
    """One button per allowed resolution (confirmed first on a protected workspace)."""
    if not (conflict.is_open and conflict.allowed_resolutions):
        return None
    ws = conflict.workspace or "?"
    protected = policy.is_protected(ws)
    elements = []
    # Unique resolutions only: a name listed twice would give two buttons one action_id.
    for n, resolution in enumerate(list(dict.fromkeys(conflict.allowed_resolutions))[:5]):
        value = ActionValue(conflict_id=conflict.id, resolution=resolution, workspace=ws).encode()
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


def resolved_headline(
    workspace: str, by: str | None, resolution: str | None, at: datetime | None = None
) -> str:
    """An alert card's first line once its conflict is decided: what, by whom, when."""
    text = f":white_check_mark: *{esc(workspace)}*: the conflict was resolved"
    if by:
        text += f" by {user(by)}"
    if resolution:
        text += f": {label(resolution).lower()}"
    return text + (f", {when(at)}" if at else "")


def resolved_text(
    by: str, resolution: str | None, run: Run | None = None, at: datetime | None = None
) -> str:
    text = f":white_check_mark: Resolved by {user(by)}"
    if resolution:
        text += f": {label(resolution).lower()}"
    if at is not None:
        text += f", {when(at)}"
    if run is not None:
        text += f" (run {code(run.id)} {esc(words.label(run.status))})"
    return text
