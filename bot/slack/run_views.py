"""The card that follows one sync run in its thread (bot/slack/followers.py keeps it current).

A pure function of the run, like every view (bot/slack/views.py has the others).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core import words
from bot.core.durations import humanize
from bot.firestartr.models import Run
from bot.slack import log_views
from bot.slack.approval_views import message_said, plan_blocks
from bot.slack.blocks import ago, code, code_block, context, esc, icon, message, section, user

Message = dict[str, Any]


def sync_card(
    workspace: str,
    requested_by: str,
    run: Run | None,
    now: datetime,
    *,
    web_url: str | None = None,
    protected: bool = False,
) -> Message:
    """`web_url`: the FSYNC_WEB_URL template, for a link when the API gives the run none.
    `protected`: the plan's Approve / Discard buttons ask for confirmation first."""
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
        blocks.append(context(f"run {code(run.id)}{log_views.page_link(run, workspace, web_url)}"))
        blocks += log_views.run_card_blocks(run, workspace)
    fallback = f"Sync of {esc(workspace)}: {esc(words.label(run.status) if run else 'requested')}"
    return message(fallback, blocks)


def requester_dm(
    workspace: str, run: Run, took: float | None, card: str | None, *, waiting: bool
) -> Message:
    """The DM to whoever started `run` through fsync: how it ended (or that it waits for them),
    how long it took, and where its card is (`card`: mrkdwn, a link or a channel)."""
    state = esc(words.label(run.status))
    if waiting:
        head = f"{icon(run.status)} Your sync of *{esc(workspace)}* needs you: {state}"
    else:
        head = f"{icon(run.status)} Your sync of *{esc(workspace)}* ended: {state}"
    if took is not None:
        head += f" after {humanize(took)}"
    blocks = [section(head)]
    if run.message and run.status != "succeeded":
        blocks.append(section(code_block(run.message, 600)))
    facts = [f"run {code(run.id)}"] + ([card] if card else [])
    blocks.append(context(" · ".join(facts)))
    fallback = f"Your sync of {esc(workspace)}: {state}"
    return message(fallback, blocks)
