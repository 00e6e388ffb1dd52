"""Block Kit for alerts: episode cards, thread replies, digests, notices. Pure functions.

Every text that came from the API (workspace names, error messages, conflict summaries) goes
through `esc`, in the blocks and in the `text` fallback alike, so `<!channel> disk full` notifies
no one. Conflict cards reuse the Slack app's `conflict_blocks`, so their resolution buttons work
and a click swaps them for "Resolved by ..." like everywhere else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from bot.alerts.fingerprint import fingerprint
from bot.alerts.model import Decision, Episode, Event, EventKind, Resolutions
from bot.core.authz import Policy
from bot.core.durations import humanize
from bot.core.words import label, plural, verb
from bot.firestartr.models import Conflict, Workspace
from bot.slack.blocks import (
    Block,
    actions,
    clip,
    code,
    code_block,
    context,
    esc,
    icon,
    message,
    pack_lines,
    section,
    when,
)
from bot.slack.ids import Block as BlockId
from bot.slack.views import (
    conflict_blocks,
    resolved_headline,
    resolved_text,
    workspace_buttons,
)

Message = dict[str, Any]
MAX_THREAD_MESSAGES = 20
MIN_LINES_PER_MESSAGE = 100
MAX_GROUPS_SHOWN = 12
LAST_ERROR_LIMIT = 900  # a recovered card keeps its error, shorter: it is history now
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
BROKEN_WORDS = {"failed": "failing", "conflict": "in conflict", "stalled": "stalled"}
PROBLEM_WORDS = {
    "failed": "failed",
    "conflict": "has a conflict waiting for a decision",
    "stalled": "has stalled: its scheduled sync is long overdue",
}


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else esc(channel_id)


def lasted(episode: Episode) -> str:
    end = episode.closed_at or episode.opened_at
    return humanize((end - episode.opened_at).total_seconds())


def error_text(text: str) -> str:
    return code_block(text)


# --- one episode ------------------------------------------------------------------------------
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


def _failures(n: int) -> str:
    return "1 failure" if n == 1 else f"{n} failures"


def last_error(episode: Episode) -> Block | None:
    """The error stays on the card once it is over: what broke is still worth reading."""
    if not episode.message or episode.kind in (EventKind.CONFLICT, EventKind.API) or episode.is_api:
        return None
    if episode.closed_at is None:
        return section(error_text(episode.message))
    head = f"*Last error* ({_failures(max(1, episode.failures))} before it was back)"
    return section(f"{head}\n{code_block(episode.message, LAST_ERROR_LIMIT)}")


def episode_card(
    episode: Episode,
    policy: Policy,
    *,
    note: str = "",
    resolutions: Resolutions | None = None,
) -> Message:
    resolutions = resolutions or {}
    top = section(headline(episode, resolutions))
    top["block_id"] = BlockId.HEADLINE
    blocks: list[Block] = [top]
    if (error := last_error(episode)) is not None:
        blocks.append(error)
    for raw in episode.conflicts[:2]:
        conflict = Conflict.model_validate(raw)
        done = None
        found = decision(conflict, resolutions)
        if found is not None and (conflict.id in resolutions or not conflict.is_open):
            done = resolved_text(found.by or "", found.resolution, at=found.at)
        elif not conflict.is_open or episode.closed_at:
            done = ":white_check_mark: Resolved"
        blocks += conflict_blocks(conflict, policy, resolved=done)
    if episode.kind == EventKind.CONFLICT and not episode.conflicts and episode.closed_at is None:
        blocks.append(
            section(
                f"The conflict details are not available here: "
                f"`/fsync conflicts {esc(episode.workspace)}` shows them with their buttons."
            )
        )
    facts = [f"since {when(episode.opened_at)}"]
    if episode.closed_at:
        facts.append(f"back {when(episode.closed_at)}")
    if note:
        facts.insert(0, esc(note))
    blocks.append(context(" · ".join(facts)))
    if episode.closed_at is None and not episode.is_api and not episode.conflicts:
        ws = Workspace(name=episode.workspace)
        blocks.append(actions(*workspace_buttons(ws, policy, 0)))
    return message(notification_text(headline(episode, resolutions)), blocks)


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


def reply(event: Event, resolutions: Resolutions | None = None) -> Message:
    line = news_line(event, resolutions)
    return message(notification_text(line), [section(line)])


# --- many episodes at once --------------------------------------------------------------------
def groups(episodes: Sequence[Episode]) -> list[tuple[str, str, list[Episode]]]:
    """(kind, fingerprint, members), biggest first: the digest's structure."""
    found: dict[tuple[str, str], list[Episode]] = {}
    for episode in episodes:
        key = (episode.kind, fingerprint(episode.first_message, episode.workspace))
        found.setdefault(key, []).append(episode)
    ordered = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        (kind, fp, sorted(members, key=lambda e: e.workspace)) for (kind, fp), members in ordered
    ]


def example(members: Sequence[Episode], limit: int) -> str:
    """A real message of the group, as its members saw it: the fingerprint only groups them, its
    placeholders (`<n>`, `<id>`) are not for people to read."""
    found = next((m for m in members if m.first_message), None)
    if found is None:
        return ""
    text = code(clip(found.first_message or "", limit))
    return text if len(members) == 1 else f"{text} (example from {esc(found.workspace)})"


def _names(members: Sequence[Episode], limit: int = 8) -> str:
    names = ", ".join(esc(m.workspace) for m in members[:limit])
    return names + (f" and {len(members) - limit} more" if len(members) > limit else "")


def digest(episodes: Sequence[Episode]) -> Message:
    total = len(episodes)
    needs = f"{plural(total, 'workspace')} {verb(total, 'needs', 'need')} attention"
    title = f":rotating_light: *{needs}*"
    lines = []
    grouped = groups(episodes)
    for kind, _, members in grouped[:MAX_GROUPS_SHOWN]:
        what = example(members, 200) or esc(PROBLEM_WORDS.get(kind, kind))
        count = f"{len(members)} {esc(label(kind))}"
        lines.append(f"{icon(kind)} *{count}*: {what}\n      {_names(members)}")
    if len(grouped) > MAX_GROUPS_SHOWN:
        rest = sum(len(m) for _, _, m in grouped[MAX_GROUPS_SHOWN:])
        smaller = plural(len(grouped) - MAX_GROUPS_SHOWN, "smaller group")
        lines.append(f"…and {rest} more in {smaller}")
    blocks: list[Block] = [section(title), *pack_lines(lines)]
    back = sum(1 for e in episodes if e.closed_at is not None)
    if back:
        are = verb(back, "is", "are")
        blocks.append(context(f":large_green_circle: {back} of {total} {are} back since."))
    blocks.append(
        context("One line per workspace in the thread · `/fsync status` shows the whole fleet")
    )
    return message(needs, blocks)


def digest_details(episodes: Sequence[Episode]) -> list[Message]:
    """The per-workspace detail of a digest: many workspaces per message, at most 20 messages."""
    lines = []
    for kind, _, members in groups(episodes):
        what = example(members, 120) or esc(PROBLEM_WORDS.get(kind, kind))
        count = f"{len(members)} {esc(label(kind))}"
        lines.append(f"{icon(kind)} *{count}*: {what}")
        for member in members:
            detail = code(clip(member.first_message, 110)) if member.first_message else ""
            lines.append(f"• *{esc(member.workspace)}* {detail}")
    return paged(lines, "Details")


def paged(lines: list[str], title: str) -> list[Message]:
    per_message = max(MIN_LINES_PER_MESSAGE, math.ceil(len(lines) / MAX_THREAD_MESSAGES))
    pages = [lines[i : i + per_message] for i in range(0, len(lines), per_message)]
    return [
        message(f"{title} {n}/{len(pages)}", pack_lines(page)) for n, page in enumerate(pages, 1)
    ]


def news(events: Sequence[Event], title: str) -> list[Message]:
    """Several pieces of news as few messages (a digest's thread, or one channel post)."""
    lines = [news_line(event) for event in sorted(events, key=lambda e: e.episode.workspace)]
    head = f"*{esc(title)}*"
    pages = paged(lines, title)
    if pages:
        first = pages[0]
        first["blocks"] = [section(head), *first["blocks"]][:50]
    return pages


def notification_text(text: str) -> str:
    """The notification text: the same words without emoji codes or date markup."""
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r":[a-z_]+: ", "", text)
    # Bold markers only, in pairs: a glob's own `*` stays ("The mute on `prod*` ended").
    return re.sub(r"\*([^*\n]+)\*", r"\1", text)
