"""The part of a run card about its plan ([ASSUMED] plans that wait for a yes): the summary
(`+2 ~1 -0`, destroys in bold), the planned resources while it waits, the Approve / Discard
buttons, and afterwards who decided and when. Pure functions, like every view."""

from __future__ import annotations

from datetime import datetime

from bot.firestartr.models import Plan, Run
from bot.slack.blocks import (
    Block,
    actions,
    ago,
    button,
    clip,
    code,
    confirm_dialog,
    context,
    esc,
    pack_lines,
    section,
    user,
    when,
)
from bot.slack.ids import Action, ActionValue
from bot.slack.ids import Block as BlockId

MAX_RESOURCES_SHOWN = 15
MAX_ADDRESS = 200
SIGNS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}


def message_said(run: Run) -> bool:
    """Whether the run card shows the run's message: never for a success, and for a run with a
    plan only when its apply failed (the plan part says the rest better)."""
    if not run.message or run.status == "succeeded":
        return False
    return run.plan is None or run.status == "failed"


def summary(plan: Plan) -> str:
    """`+2 ~1 -0`, with the destroys in bold when there are any."""
    destroy = f"-{plan.destroy}"
    return f"+{plan.add} ~{plan.change} " + (f"*{destroy}*" if plan.destroy else destroy)


def resource_lines(plan: Plan) -> list[str]:
    shown = plan.resources[:MAX_RESOURCES_SHOWN]
    lines = [
        f"{esc(SIGNS.get(r.action or '', '?'))} {code(clip(r.address or '?', MAX_ADDRESS))}"
        for r in shown
    ]
    total = max(len(plan.resources), plan.add + plan.change + plan.destroy)
    if total > len(shown):
        lines.append(f"…and {total - len(shown)} more")
    return lines


def decision(run: Run) -> str | None:
    """Who approved or discarded the plan and when, or that it expired."""
    if run.status == "expired":
        return ":hourglass: The plan expired: nobody approved it in time."
    if not run.decided_by:
        return None
    verb = "Discarded" if run.status == "discarded" else "Approved"
    at = f" {when(run.decided_at)}" if run.decided_at else ""
    return f"{verb} by {user(run.decided_by)}{at}"


def buttons(run: Run, *, protected: bool) -> Block:
    value = ActionValue(run_id=run.id, workspace=run.workspace).encode()
    name = esc(run.workspace or "?")
    approve_confirm = discard_confirm = None
    if protected:
        approve_confirm = confirm_dialog(
            "Apply a protected plan?", f"Apply the plan of *{name}* now?", "Apply plan"
        )
        discard_confirm = confirm_dialog(
            "Discard a protected plan?", f"Discard the plan of *{name}*?", "Discard plan"
        )
    return actions(
        button(
            "Approve",
            Action.APPROVE_CONFIRMED if protected else Action.APPROVE,
            value,
            style="primary",
            confirm=approve_confirm,
        ),
        button(
            "Discard",
            Action.DISCARD_CONFIRMED if protected else Action.DISCARD,
            value,
            style="danger",
            confirm=discard_confirm,
        ),
        block_id=BlockId.APPROVAL,
    )


def plan_blocks(run: Run, now: datetime | None, *, protected: bool = False) -> list[Block]:
    """The plan's blocks of a run card; none for a run without a plan. `now` None (a card kept
    for long, like an alert's): the expiry is a date, not "in 29m"."""
    plan = run.plan
    if plan is None:
        return []
    head = f"Plan: {summary(plan)}"
    if not run.awaiting_approval:
        said = decision(run)
        return [section(f"{head}\n{said}" if said else head)]
    if run.expires_at is not None:
        head += f" · expires {ago(run.expires_at, now) if now else when(run.expires_at)}"
    blocks = [section(f":raised_hand: {head}"), *pack_lines(resource_lines(plan))]
    blocks.append(buttons(run, protected=protected))
    if protected:
        blocks.append(context(":lock: Protected: approving or discarding takes an admin."))
    return blocks
