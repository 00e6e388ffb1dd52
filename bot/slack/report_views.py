"""The report (bot/alerts/report.py) as Block Kit: `/fsync report` and the scheduled digests.

Pure functions of a Report. Every list is cut to a few names plus "and N more", so a fleet of
10,000 workspaces gives the same dozen blocks as one of ten; every API text is escaped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.alerts.digest_repo import Scheduled
from bot.alerts.report import Period, Report
from bot.core.durations import humanize
from bot.core.schedule import Schedule
from bot.core.words import plural
from bot.slack.blocks import code, context, esc, header, message, section, user, when

Message = dict[str, Any]
SHOWN = 10  # flapping workspaces named; the rest are counted


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "n/a"
    return humanize(delta.total_seconds()) if delta.total_seconds() >= 1 else "0s"


def compare(now: int, before: int, what: str, than: str) -> str:
    """`↑ 3 more failures than last week`, `↓ 2 fewer ...`, or `= as many ...`."""
    if now == before:
        return f"= as many {what} as {than}"
    arrow, word = ("↑", "more") if now > before else ("↓", "fewer")
    return f"{arrow} {abs(now - before)} {word} {what} than {than}"


def _than(report: Report) -> str:
    days = round((report.end - report.start) / timedelta(days=1))
    return {1: "the day before", 7: "last week"}.get(days, f"the {days} days before")


def _period_lines(p: Period, before: Period, than: str) -> list[str]:
    lines = [
        f"*{p.failures}* failure episode{'' if p.failures == 1 else 's'} "
        f"({compare(p.failures, before.failures, 'failures', than)})",
        f"*{p.conflicts}* conflict{'' if p.conflicts == 1 else 's'} opened "
        f"({compare(p.conflicts, before.conflicts, 'conflicts', than)})",
    ]
    if p.stalls or before.stalls:
        stalls = f"*{p.stalls}* stall{'' if p.stalls == 1 else 's'}"
        lines.append(f"{stalls} ({compare(p.stalls, before.stalls, 'stalls', than)})")
    if p.outages:
        lines.append(f"*{p.outages}* times the Sync API was unreachable")
    lines.append(
        f"Recovery: mean *{_span(p.mean_recovery)}* over {len(p.recoveries)} recovered "
        f"(before: {_span(before.mean_recovery)}); total time broken *{_span(p.broken)}* "
        f"(before: {_span(before.broken)})"
    )
    return lines


def _named(pairs: list[str], total: int) -> str:
    more = total - len(pairs)
    return ", ".join(pairs) + (f" and {more} more" if more > 0 else "")


def report_blocks(report: Report, title: str) -> list[dict[str, Any]]:
    than = _than(report)
    fleet = ", ".join(f"{count} {esc(state)}" for state, count in report.fleet) or "not polled yet"
    blocks = [
        header(title),
        context(f"{when(report.start)} to {when(report.end)}"),
        section(f"*Fleet now:* {fleet}"),
        section("\n".join(_period_lines(report.now, report.before, than))),
    ]
    if report.worst:
        name, lasted = report.worst
        blocks.append(section(f"Worst recovery: {code(name)} broken for *{_span(lasted)}*"))
    if report.resolved:
        how = ", ".join(f"{count} {esc(resolution)}" for resolution, count in report.resolved)
        blocks.append(section(f"Conflicts resolved through fsync: {how}"))
    if report.flapping:
        names = [f"{code(ws)} ({n})" for ws, n in report.flapping[:SHOWN]]
        blocks.append(section(f"*Flapping* (3+ episodes): {_named(names, len(report.flapping))}"))
    if report.errors:
        lines = [
            f"• *{group.count}×* {code(group.fingerprint[:200])}\n"
            f"    e.g. in {code(group.workspace)}: {esc(group.example[:300])}"
            for group in report.errors
        ]
        blocks.append(section("*Most common errors*\n" + "\n".join(lines)))
    if report.open_conflicts:
        names = [f"{code(w.workspace)} since {when(w.since)}" for w in report.oldest_conflicts]
        blocks.append(section(f"*Oldest open conflicts:* {_named(names, report.open_conflicts)}"))
    if report.mutes_ending:
        names = [f"{code(m.glob)} at {when(m.until)}" for m in report.mutes_ending[:SHOWN]]
        total = len(report.mutes_ending)
        blocks.append(section(f"*Mutes ending within a day:* {_named(names, total)}"))
    if report.waiting_approvals:
        names = [f"{code(w.workspace)} since {when(w.since)}" for w in report.approvals]
        blocks.append(section(f"*Approvals waiting:* {_named(names, report.waiting_approvals)}"))
    if not report.complete:
        blocks.append(
            context(
                f"fsync keeps {report.kept_days} days of history (FSYNC_HISTORY_DAYS): "
                "older episodes are not counted."
            )
        )
    return blocks


def report_message(report: Report, title: str) -> Message:
    fallback = (
        f"{title}: {plural(report.now.failures, 'failure')}, "
        f"{plural(report.now.conflicts, 'conflict')} opened, "
        f"{plural(report.open_conflicts, 'conflict')} open"
    )
    return message(fallback, report_blocks(report, title))


def quiet_line(title: str) -> Message:
    """The one line a digest posts when the fleet had nothing to report."""
    text = f":white_check_mark: {title}: nothing to report, no failure, conflict or stall."
    return message(text, [section(text)])


# --- the channel's digest schedule -------------------------------------------------------------
def digest_shown(scheduled: Scheduled | None, next_at: datetime | None) -> Message:
    if scheduled is None or next_at is None:
        text = (
            "This channel gets no scheduled digest. Set one with "
            "`/fsync digest daily|weekly <HH:MM> [time zone]`, e.g. "
            "`/fsync digest weekly 09:00 Europe/Madrid`."
        )
        return message(text, [section(text)])
    text = (
        f":calendar: This channel gets the fsync digest {esc(scheduled.schedule.label)}, "
        f"set by {user(scheduled.user_id)}. Next: {when(next_at)}. "
        "`/fsync digest off` stops it."
    )
    return message(text, [section(text)])


def digest_set(scheduled: Scheduled, next_at: datetime) -> Message:
    text = (
        f":white_check_mark: The fsync digest will be posted here {esc(scheduled.schedule.label)}; "
        f"the first one {when(next_at)}."
    )
    return message(text, [section(text)])


def digest_line(user_id: str, schedule: Schedule) -> Message:
    """Said in the channel when a digest is set, so everyone there knows."""
    text = (
        f":calendar: {user(user_id)} scheduled the fsync digest here "
        f"{esc(schedule.label)}: the fleet's failures, conflicts and recoveries."
    )
    return message(text, [section(text)])


def digest_not_set(error: str) -> Message:
    text = (
        f":no_entry: fsync cannot post in this channel ({code(error)}), so no digest was set. "
        "Invite it with `/invite @fsync` (or pick another channel), then run the command again."
    )
    return message(text, [section(text)])


def digest_off(removed: bool) -> Message:
    text = (
        ":white_check_mark: No more scheduled digests in this channel."
        if removed
        else "This channel had no scheduled digest: nothing changed."
    )
    return message(text, [section(text)])


def digest_off_line(user_id: str) -> Message:
    text = f":calendar: {user(user_id)} turned off the scheduled fsync digest here."
    return message(text, [section(text)])
