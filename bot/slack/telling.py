"""The requester told: one DM to whoever started a run through fsync, when it ends (and once
when it stops to wait for them, a plan to approve), unless they said `/fsync notify off`.

Once across threads and restarts: only the caller that claims the DM in SQLite sends it
(bot/core/requesters.py). The claim comes first, so a crash between it and Slack's answer loses
that DM rather than sending it twice: a second DM about the same run is the worse failure.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.requesters import FINAL, WAITING, Requesters
from bot.firestartr.models import Run
from bot.slack.run_views import requester_dm

log = logging.getLogger(__name__)
# The run statuses that stop to wait for a person, without the run being over.
WAITS_FOR_SOMEONE = frozenset({"awaiting_approval"})
_CHANNEL = re.compile(r"^[CG][A-Z0-9]+$")


class Told(Protocol):
    """What a followed run tells about itself (bot/slack/followers.Followed)."""

    workspace: str
    requested_by: str
    run: Run
    channel: str | None
    ts: str | None
    asked_in: str | None
    started: float


def phase_of(run: Run) -> str | None:
    """Which DM `run` is due, if any: FINAL at its end, WAITING while it waits for someone."""
    if run.finished:
        return FINAL
    return WAITING if run.status in WAITS_FOR_SOMEONE else None


def took(run: Run, now: datetime) -> float | None:
    """Seconds from the run's start (or creation) to its end (or now), as the API tells it."""
    start = run.started_at or run.created_at
    if start is None:
        return None
    return max(0.0, ((run.finished_at or now) - start).total_seconds())


def card_link(web: WebClient, item: Told) -> str | None:
    """Where the run's card is, as mrkdwn: its permalink, else the channel it was asked in."""
    if item.channel and item.ts:
        try:
            found = web.chat_getPermalink(channel=item.channel, message_ts=item.ts)
            return f"<{found['permalink']}|See the card>"
        except (SlackApiError, KeyError) as exc:
            log.info("no permalink for the card of run %s: %s", item.run.id, exc)
    where = item.channel or item.asked_in
    return f"card in <#{where}>" if where and _CHANNEL.match(where) else None


def tell(web: WebClient, requesters: Requesters, item: Told, now: datetime) -> None:
    """The DM `item.run` is due, sent at most once ever; nothing when none is due."""
    phase = phase_of(item.run)
    if phase is None or not requesters.claim(item.run.id, phase):
        return
    if not requesters.wants_dms(item.requested_by):
        requesters.sent(item.run.id, phase, "off")
        return
    payload = requester_dm(
        item.workspace,
        item.run,
        took(item.run, now),
        card_link(web, item),
        waiting=phase == WAITING,
    )
    try:
        web.chat_postMessage(channel=item.requested_by, **payload)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        log.warning("could not tell the requester of run %s: %s", item.run.id, error)
        requesters.sent(item.run.id, phase, error)
        return
    requesters.sent(item.run.id, phase, "sent")
