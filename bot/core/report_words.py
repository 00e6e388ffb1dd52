"""`/fsync report [7d|30d]` and `/fsync digest [daily|weekly <HH:MM> [time zone] | off]` read into
commands (bot/core/parser.py hands their words here); refusals say what to type."""

from __future__ import annotations

from bot.core.command import DigestOff, SetDigest, ShowDigest, ShowReport
from bot.core.schedule import DEFAULT_ZONE, Every, Schedule, parse_time, parse_zone
from bot.errors import UsageError

REPORT_USAGE = "Usage: `/fsync report [7d|30d]`, for example `/fsync report 30d`."
DIGEST_USAGE = (
    "Usage: `/fsync digest daily|weekly <HH:MM> [time zone]` (weekly: on Mondays), "
    "`/fsync digest off`, or `/fsync digest` to see the schedule; "
    "for example `/fsync digest weekly 09:00 Europe/Madrid`."
)
PERIODS = {"7d": 7, "7": 7, "week": 7, "1w": 7, "30d": 30, "30": 30, "month": 30}


def report(args: list[str]) -> ShowReport:
    if not args:
        return ShowReport()
    if len(args) == 1 and args[0].lower() in PERIODS:
        return ShowReport(PERIODS[args[0].lower()])
    raise UsageError(f"`report` covers `7d` or `30d`, not `{' '.join(args)[:40]}`. {REPORT_USAGE}")


def digest(args: list[str]) -> ShowDigest | SetDigest | DigestOff:
    if not args:
        return ShowDigest()
    word = args[0].lower()
    if word == "off" and len(args) == 1:
        return DigestOff()
    if word not in ("daily", "weekly"):
        raise UsageError(
            f"`digest` takes `daily`, `weekly` or `off`, not `{word[:40]}`. {DIGEST_USAGE}"
        )
    if len(args) < 2:
        raise UsageError(f"`digest {word}` needs a time of day, like `09:00`. {DIGEST_USAGE}")
    if len(args) > 3:
        raise UsageError(f"`digest` takes a time and one time zone at most. {DIGEST_USAGE}")
    try:
        at = parse_time(args[1])
        zone = parse_zone(args[2]) if len(args) == 3 else DEFAULT_ZONE
    except UsageError as exc:
        raise UsageError(f"{exc.user_message} {DIGEST_USAGE}") from None
    return SetDigest(Schedule(Every(word), at, zone))
