"""Block Kit for alerts: episode cards, thread replies, digests. Pure functions (their one-line
words, headlines and news, are in bot/slack/alert_lines.py).

Every text that came from the API (workspace names, error messages, conflict summaries) goes
through `esc`, in the blocks and in the `text` fallback alike, so `<!channel> disk full` notifies
no one. Conflict cards reuse the Slack app's `conflict_blocks`, so their resolution buttons work
and a click swaps them for "Resolved by ..." like everywhere else.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count
from operator import attrgetter, is_not
from typing import Any

from bot.alerts.fingerprint import fingerprint
from bot.alerts.model import Episode, Event, EventKind, Resolutions
from bot.core.authz import Policy
from bot.core.words import label, plural, verb
from bot.firestartr.models import Conflict, Run, Workspace
from bot.slack.alert_lines import (
    PROBLEM_WORDS,
    decision,
    headline,
    news_line,
    notification_text,
)
from bot.slack.approval_views import plan_blocks
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
from bot.slack.log_views import view_log_button
from bot.slack.people_views import mentions, owners_line
from bot.slack.views import (
    conflict_blocks,
    resolved_text,
    workspace_buttons,
)

Message = dict[str, Any]
MAX_THREAD_MESSAGES = 20
MIN_LINES_PER_MESSAGE = 100
MAX_GROUPS_SHOWN = 12
LAST_ERROR_LIMIT = 900  # a recovered card keeps its error, shorter: it is history now


def error_text(text: str) -> str:
    return code_block(text)


# --- one episode ------------------------------------------------------------------------------
def _failures(n: int) -> str:
    return "1 failure" if n == 1 else f"{n} failures"


def last_error(episode: Episode) -> Block | None:
    """The error stays on the card once it is over: what broke is still worth reading."""
    quiet = (EventKind.CONFLICT, EventKind.API, EventKind.APPROVAL)  # their card says it better
    if not episode.message or episode.kind in quiet or episode.is_api:
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
    owners: Sequence[str] = (),
) -> Message:
    """`owners`: Slack ids the card calls (a line of mentions, also in the notification text);
    the card is posted once per episode and channel, and edits notify no one again."""
    resolutions = resolutions or {}
    top = section(headline(episode, resolutions))
    top["block_id"] = BlockId.HEADLINE
    blocks: list[Block] = [top]
    called = owners_line(owners)
    if called:
        blocks.append(section(called))
    if (error := last_error(episode)) is not None:
        blocks.append(error)
    blocks += waiting_plan(episode, policy)
    for raw in episode.conflicts[:2] if episode.kind != EventKind.APPROVAL else ():
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
        back = "decided" if episode.kind == EventKind.APPROVAL else "back"
        facts.append(f"{back} {when(episode.closed_at)}")
    if note:
        facts.insert(0, esc(note))
    blocks.append(context(" · ".join(facts)))
    if episode.closed_at is None and not episode.is_api and not episode.conflicts:
        ws = Workspace(name=episode.workspace)
        blocks.append(actions(*workspace_buttons(ws, policy, 0), *log_button(episode)))
    text = notification_text(headline(episode, resolutions))
    return message(f"{text} · {mentions(owners)}" if owners else text, blocks)


def log_button(episode: Episode) -> list[Block]:
    """View log on a failing workspace's card. The episode names no run: the click reads the
    log of the workspace's last run (`last_run_id`, bot/core/run_logs.py)."""
    return [view_log_button(None, episode.workspace)] if episode.status == "failed" else []


def waiting_plan(episode: Episode, policy: Policy) -> list[Block]:
    """An approval card's plan with its Approve / Discard buttons, while it waits."""
    raw = episode.waiting_run
    if raw is None or episode.closed_at is not None:
        return []
    run = Run.model_validate(raw)
    return plan_blocks(run, None, protected=policy.is_protected(episode.workspace))


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


# What a digest's group lines read from each member: nothing else of an episode may feed them.
_FACE = attrgetter("kind", "first_message", "workspace")
SUMMARIES_KEPT = 32  # digests drawn again in a tick: a few


def digest(episodes: Sequence[Episode]) -> Message:
    total = len(episodes)
    needs = f"{plural(total, 'workspace')} {verb(total, 'needs', 'need')} attention"
    title = f":rotating_light: *{needs}*"
    lines, back = _summaries.draw(episodes)
    blocks: list[Block] = [section(title), *pack_lines(list(lines))]
    if back:
        are = verb(back, "is", "are")
        blocks.append(context(f":large_green_circle: {back} of {total} {are} back since."))
    blocks.append(
        context("One line per workspace in the thread · `/fsync status` shows the whole fleet")
    )
    return message(needs, blocks)


def _back(episodes: Iterable[Episode]) -> int:
    return sum(1 for e in episodes if e.closed_at is not None)


class _Summaries:
    """A digest's group lines and how many of it are back, remembered with the members they
    were drawn from: a storm digest of 1,500 is drawn again on every tick one of its members
    recovers, and grouping it again was most of routing's time (bench/poll_tick). A member that
    is the same object as last time is the same (episodes are frozen); only the others, this
    tick's news, are looked at."""

    def __init__(self) -> None:
        self._drawn: list[tuple[tuple[Episode, ...], tuple[str, ...], int]] = []
        self._lock = threading.Lock()  # pollers of several apps in one process (the tests)

    def draw(self, episodes: Sequence[Episode]) -> tuple[tuple[str, ...], int]:
        with self._lock:
            return self._draw(tuple(episodes))

    def _draw(self, now: tuple[Episode, ...]) -> tuple[tuple[str, ...], int]:
        for n, (before, lines, back) in enumerate(self._drawn):
            if len(before) != len(now) or not _same_faces(before, now, _changed(before, now)):
                continue
            changed = list(_changed(before, now))
            back += _back(now[at] for at in changed) - _back(before[at] for at in changed)
            self._drawn[n] = (now, lines, back)  # so the next draw finds these very objects
            return lines, back
        drawn = (now, tuple(_group_lines(now)), _back(now))
        self._drawn = [drawn, *self._drawn[: SUMMARIES_KEPT - 1]]
        return drawn[1], drawn[2]


def _changed(before: tuple[Episode, ...], now: tuple[Episode, ...]) -> Iterator[int]:
    """Where the members are other objects, at C speed: a storm's are mostly the same."""
    return compress(count(), map(is_not, before, now))


def _same_faces(before: tuple[Episode, ...], now: tuple[Episode, ...], at: Iterable[int]) -> bool:
    return all(_FACE(before[n]) == _FACE(now[n]) for n in at)


_summaries = _Summaries()


def _group_lines(episodes: Sequence[Episode]) -> list[str]:
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
    return lines


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
