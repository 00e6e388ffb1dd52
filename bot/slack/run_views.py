"""The card that follows one sync run in its thread (bot/slack/followers.py keeps it current).

A pure function of the run, like every view (bot/slack/views.py has the others).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core import words
from bot.firestartr.models import Run
from bot.slack.approval_views import message_said, plan_blocks
from bot.slack.blocks import ago, code, code_block, context, esc, icon, message, section, user

Message = dict[str, Any]


def sync_card(
    workspace: str,
    requested_by: str,
    run: Run | None,
    now: datetime,
    *,
    protected: bool = False,
) -> Message:
    """`protected`: the plan's Approve / Discard buttons ask for confirmation first."""
    head = f"Sync of *{esc(workspace)}* requested by {user(requested_by)}"
    if run is None:
        state_line = f"{icon('queued')} requested"
    else:
        state_line = f"{icon(run.status)} {esc(words.label(run.status))}"
        if run.finished_at:
            state_line += f" · finished {ago(run.finished_at, now)}"
        elif run.started_at:
            state_line += f" · started {ago(run.started_at, now)}"
    blocks = [section(f"{head}\n{state_line}")]
    if run is not None:
        blocks.extend(plan_blocks(run, now, protected=protected))
    if run is not None and message_said(run):
        blocks.append(section(code_block(run.message or "")))
    if run is not None:
        blocks.append(context(f"run {code(run.id)}"))
    fallback = f"Sync of {esc(workspace)}: {esc(words.label(run.status) if run else 'requested')}"
    return message(fallback, blocks)
