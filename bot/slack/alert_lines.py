"""The words of an alert in one line each: a card's headline, a piece of news in its thread (or
in a digest's), who decided a conflict, and the notification text Slack shows for them. Pure
functions; the cards and digests that hold these lines are in bot/slack/alert_cards.py.

Every text that came from the API goes through `esc`, as in the cards.
"""

from __future__ import annotations

import re

from bot.alerts.model import Decision, Episode, Event, EventKind, Resolutions
from bot.core.durations import humanize
from bot.core.words import plural
from bot.firestartr.models import Conflict
from bot.slack.blocks import clip, code, esc, icon
from bot.slack.views import resolved_headline

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
BROKEN_WORDS = {"failed": "failing", "conflict": "in conflict", "stalled": "stalled"}
PROBLEM_WORDS = {
    "failed": "failed",
    "conflict": "has a conflict waiting for a decision",
    "stalled": "has stalled: its scheduled sync is long overdue",
    "approval": "has a plan waiting for approval",
}


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else esc(channel_id)


def lasted(episode: Episode) -> str:
    end = episode.closed_at or episode.opened_at
    return humanize((end - episode.opened_at).total_seconds())


def decision(conflict: Conflict, resolutions: Resolutions) -> Decision | None:
    """Who decided about `conflict`: fsync's own record of a click first, then the API's word."""
    if conflict.id in resolutions:
        return resolutions[conflict.id]
    if conflict.resolved_by or conflict.resolution:
        return Decision(conflict.resolved_by, conflict.resolution, conflict.resolved_at)
    return None


def _resolved(episode: Episode, resolutions: Resolutions) -> str | None:
    """The headline of a conflict decided while its episode is still open (a sync under way)."""
    if episode.kind != EventKind.CONFLICT or episode.closed_at or episode.status == "failed":
        return None
    found = [Conflict.model_validate(raw) for raw in episode.conflicts]
    decided = [decision(c, resolutions) for c in found]
    waiting = [c for c, d in zip(found, decided, strict=True) if d is None and c.is_open]
    if found and waiting:
        return None
    if not found and episode.status == "conflict":
        return None
    first = next((d for d in decided if d is not None), Decision(None, None))
    text = resolved_headline(episode.workspace, first.by, first.resolution, first.at)
    if episode.status in ("queued", "running"):
        text += "; a sync is on its way"
    return text


def headline(episode: Episode, resolutions: Resolutions | None = None) -> str:
    name = f"*{esc(episode.workspace)}*"
    if episode.is_api:
        if episode.closed_at:
            return f":large_green_circle: *The Sync API is back* after {lasted(episode)} down"
        return (
            f":rotating_light: *The Sync API is not answering*: "
            f"{plural(episode.failures, 'poll')} in a row failed"
        )
    if episode.closed_how == EventKind.RECOVERED:
        how = BROKEN_WORDS.get(episode.kind, "broken")
        return f":large_green_circle: {name} is back to success after {lasted(episode)} {how}"
    if episode.closed_how == EventKind.DECIDED:
        return f":white_check_mark: {name}: its plan no longer waits for approval"
    if episode.closed_how == EventKind.GONE:
        why = "sync is disabled" if episode.status == "disabled" else "it left the fleet"
        return f":white_circle: {name} is no longer watched: {why}"
    resolved = _resolved(episode, resolutions or {})
    if resolved:
        return resolved
    state = episode.problem
    text = f"{icon(state)} {name} {PROBLEM_WORDS.get(state, esc(state))}"
    if episode.failures > 1:
        text += f" ({plural(episode.failures, 'failure')})"
    return text


def news_line(event: Event, resolutions: Resolutions | None = None) -> str:
    episode = event.episode
    name = f"*{esc(episode.workspace)}*" if not episode.is_api else "The Sync API"
    if event.kind == EventKind.RECOVERED:
        return headline(episode)
    if event.kind == EventKind.FAILED and not event.opens:
        return (
            f":red_circle: {name} failed with a new error: {code(clip(episode.message or '', 200))}"
        )
    if event.kind == EventKind.REPEAT:
        again = plural(episode.failures, "failure")
        return f":red_circle: {name} failed again with the same error ({again})"
    if event.kind == EventKind.CONFLICT and not event.opens:
        return f":warning: {name} now has a conflict waiting for a decision"
    if event.kind == EventKind.RESOLVED:
        return _resolved(episode, resolutions or {}) or (
            f":white_check_mark: {name}: the conflict was resolved, a sync is on its way"
        )
    if event.kind == EventKind.STALLED and not event.opens:
        return f":hourglass: {name} has stalled: its scheduled sync is long overdue"
    if event.kind == EventKind.REMINDER:
        return f":bell: {name}: {esc(event.note)}"
    return headline(episode)


def notification_text(text: str) -> str:
    """The notification text: the same words without emoji codes or date markup."""
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r":[a-z_]+: ", "", text)
    # Bold markers only, in pairs: a glob's own `*` stays ("The mute on `prod*` ended").
    return re.sub(r"\*([^*\n]+)\*", r"\1", text)
