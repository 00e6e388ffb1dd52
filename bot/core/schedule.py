"""When a digest is due: `daily|weekly HH:MM` in an IANA time zone, as pure functions.

The time is wall-clock time in the channel's zone, so a 09:00 digest stays at 09:00 when the
clocks change. A weekly digest is due on Mondays (the start of the ISO week, and the day a
team looks back on the week before). Two wall-clock corner cases, settled the way zoneinfo
settles them (`fold=0`):
- a time the spring change skips (02:30 in Madrid on the last Sunday of March) is due at the
  same moment as the hour before plus the gap, that is 03:30 local, once;
- a time the autumn change repeats (02:30 on the last Sunday of October) is due at its first
  occurrence only.
Each due instant belongs to one period, named by `period_key` (`2026-11-30` daily, the ISO week
`2026-W49` weekly): a digest is posted at most once per period and channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UsageError

DEFAULT_ZONE = "UTC"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Every(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # on Mondays


@dataclass(frozen=True)
class Schedule:
    every: Every
    at: time  # wall-clock time in `zone`
    zone: str = DEFAULT_ZONE  # an IANA name, checked by `parse_zone`

    @property
    def label(self) -> str:
        day = "every Monday" if self.every == Every.WEEKLY else "every day"
        return f"{day} at {self.at:%H:%M} ({self.zone})"


def parse_time(text: str) -> time:
    found = _HHMM.match(text.strip())
    if not found:
        raise UsageError(
            f"`{text[:20]}` is not a time of day: type it as `HH:MM` in 24 hours, like `09:00`."
        )
    return time(int(found.group(1)), int(found.group(2)))


def parse_zone(text: str) -> str:
    """The IANA name, as zoneinfo knows it (`Europe/Madrid`); UsageError when unknown."""
    name = text.strip()
    if name.upper() in ("UTC", "Z", "GMT"):
        return DEFAULT_ZONE
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"`{name[:40]}` is not a time zone fsync knows: use an IANA name like "
            "`Europe/Madrid` or `America/New_York` (or leave it out for UTC)."
        ) from None
    return name


def _at(schedule: Schedule, day: date) -> datetime:
    """The instant (UTC) of the schedule's wall-clock time on `day` in its zone."""
    local = datetime.combine(day, schedule.at, tzinfo=ZoneInfo(schedule.zone))
    return local.astimezone(UTC)


def _days(schedule: Schedule, around: date) -> list[date]:
    """Candidate days, latest first, one of which holds the last due instant before `around`+1."""
    if schedule.every == Every.DAILY:
        return [around + timedelta(days=1 - n) for n in range(4)]
    monday = around - timedelta(days=around.weekday())
    return [monday + timedelta(weeks=1 - n) for n in range(3)]


def last_due(schedule: Schedule, now: datetime) -> datetime:
    """The latest due instant at or before `now` (UTC)."""
    local_day = now.astimezone(ZoneInfo(schedule.zone)).date()
    for day in _days(schedule, local_day):
        due = _at(schedule, day)
        if due <= now:
            return due
    raise AssertionError("unreachable: a day or a week back is always due")  # pragma: no cover


def next_due(schedule: Schedule, now: datetime) -> datetime:
    """The first due instant after `now` (UTC)."""
    local_day = now.astimezone(ZoneInfo(schedule.zone)).date()
    for day in reversed(_days(schedule, local_day)):
        due = _at(schedule, day)
        if due > now:
            return due
    raise AssertionError("unreachable: tomorrow or next week is always ahead")  # pragma: no cover


def period_key(schedule: Schedule, due: datetime) -> str:
    """The period a due instant posts for: its local day, or its ISO week for weekly digests."""
    local = due.astimezone(ZoneInfo(schedule.zone)).date()
    if schedule.every == Every.DAILY:
        return local.isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def window(schedule: Schedule, due: datetime) -> tuple[datetime, datetime]:
    """What a digest due at `due` reports on: from the due instant before it up to `due`
    (a day or a week of wall-clock time, so 23 or 25 hours across a clock change)."""
    return last_due(schedule, due - timedelta(microseconds=1)), due
