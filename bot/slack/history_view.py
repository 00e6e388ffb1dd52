"""`/fsync history <workspace>`: a WorkspaceHistory (bot/alerts/history.py) as Block Kit. Pure.

The timeline is one character per UTC day, oldest first, 30 days to a line so that it fits a
phone's width; error texts come from the Sync API and are escaped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.alerts.history import BROKEN, Day, Taken, WorkspaceHistory, lasted
from bot.alerts.history_rows import EpisodeSeen, RunSeen
from bot.core.durations import humanize
from bot.core.words import plural
from bot.slack.blocks import (
    clip,
    code,
    context,
    divider,
    esc,
    header,
    icon,
    message,
    pack_lines,
    section,
    user,
    when,
)

Message = dict[str, Any]
OK, PART, ALL, UNWATCHED = "▁", "▆", "█", "·"
LEGEND = f"{OK} fine  {PART} broken part of the day  {ALL} broken all day  {UNWATCHED} not watched"
PER_LINE = 30  # days on one line of the timeline
SHOWN_EPISODES = 10
SHOWN_RUNS = 5
SHOWN_TAKEN = 5
ERROR = 150  # characters of an error shown
TAKEN_WORDS = {
    "resolve": "resolved a conflict",
    "approve": "approved a plan",
    "discard": "discarded a plan",
}


def day_mark(day: Day) -> str:
    if day.broken is None:
        return UNWATCHED
    if day.broken <= 0:
        return OK
    return ALL if day.broken >= 0.999 else PART


def timeline_lines(days: list[Day]) -> list[str]:
    """`Oct 07 ▁▁▆█▁▁▁`: each line starts with the date of its first day."""
    lines = []
    for start in range(0, len(days), PER_LINE):
        chunk = days[start : start + PER_LINE]
        lines.append(f"{chunk[0].start:%b %d} " + "".join(day_mark(d) for d in chunk))
    return lines


def _span(delta: timedelta) -> str:
    return humanize(delta.total_seconds())


def _error(text: str | None) -> str:
    return code(clip(" ".join(text.split()), ERROR)) if text else "no error text"


def _episode(ep: EpisodeSeen, now: datetime) -> str:
    span = _span(lasted(ep, now))
    how = f"{span} so far" if ep.closed_at is None else f"{span} ({ep.closed_how or 'closed'})"
    line = f"{icon(ep.kind)} *{esc(ep.kind)}* {when(ep.opened_at)}, {how}"
    if ep.kind == "failed" and ep.failures > 1:
        line += f", {plural(ep.failures, 'failure')}"
    if ep.kind == "conflict" and ep.conflicts:
        line += f", {plural(ep.conflicts, 'conflict')}"
    if ep.kind in BROKEN or ep.first_error:
        line += f": {_error(ep.first_error)}"
        if ep.last_error and ep.last_error != ep.first_error:
            line += f" … last {_error(ep.last_error)}"
    return line


def _run(run: RunSeen) -> str:
    moment = run.finished_at or run.started_at
    name = f" {code(run.run_id)}" if run.run_id else ""
    times = f" ×{run.runs}, the last" if run.runs > 1 else ""
    line = f"{icon(run.outcome)} {esc(run.outcome)}{times}{name}"
    line += f" · {when(moment)}" if moment else ""
    return line + (f": {_error(run.message)}" if run.message else "")


def _taken(item: Taken) -> str:
    said = TAKEN_WORDS.get(item.action, esc(item.action))
    what = f" ({code(item.what)})" if item.what else ""
    outcome = "" if item.outcome == "ok" else f", {esc(item.outcome)}"
    return f"{user(item.user)} {said}{what}{outcome} · {when(item.at)}"


def _summary(history: WorkspaceHistory) -> str:
    rate = history.success_rate
    done = history.finished_runs
    runs = f"*{rate:.0%}* of {plural(done, 'run')} succeeded" if rate is not None else "no runs"
    broken = [e for e in history.episodes if e.kind in BROKEN]
    mttr = history.mttr
    recovery = f"mean time to recovery *{_span(mttr)}*" if mttr is not None else "no recovery"
    total = sum((lasted(e, history.now) for e in broken), timedelta())
    down = f", broken {_span(total)} in all" if broken else ""
    return f"{runs} · {plural(len(broken), 'episode')} · {recovery}{down}"


def history_message(history: WorkspaceHistory) -> Message:
    name = history.workspace
    title = f"History of {name}, last {history.days} days"
    if not history.runs and not history.episodes and not history.taken:
        text = (
            f"No history for {code(name)} in the last {history.days} days: fsync records runs "
            "and episodes as its poller sees them."
        )
        return message(text, [section(text)])
    blocks = [
        header(title),
        section(_summary(history)),
        section("\n".join(timeline_lines(history.timeline))),
        context(f"{LEGEND} (UTC days, oldest first)"),
    ]
    episodes = history.episodes[::-1]
    if episodes:
        lines = [_episode(e, history.now) for e in episodes[:SHOWN_EPISODES]]
        if len(episodes) > SHOWN_EPISODES:
            lines.append(f"…and {plural(len(episodes) - SHOWN_EPISODES, 'earlier episode')}")
        blocks += [divider(), section("*Episodes*, newest first"), *pack_lines(lines)]
    runs = history.runs[::-1][:SHOWN_RUNS]
    if runs:
        blocks += [divider(), *pack_lines(["*Last runs*", *(_run(r) for r in runs)])]
    if history.taken:
        lines = ["*Taken through fsync*", *(_taken(t) for t in history.taken[:SHOWN_TAKEN])]
        blocks += [divider(), *pack_lines(lines)]
    return message(f"{esc(title)}: {_summary(history)}", blocks)
