"""Digest schedules: when `daily|weekly HH:MM [zone]` is due, across clock changes, and which
period each due instant posts for (bot/core/schedule.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.schedule import (
    Every,
    Schedule,
    last_due,
    next_due,
    parse_time,
    parse_zone,
    period_key,
    window,
)
from bot.errors import UsageError


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


DAILY_UTC = Schedule(Every.DAILY, time(9, 0))
MADRID = Schedule(Every.DAILY, time(9, 0), "Europe/Madrid")
NEW_YORK = Schedule(Every.DAILY, time(9, 0), "America/New_York")
WEEKLY = Schedule(Every.WEEKLY, time(8, 30), "Europe/Madrid")


@pytest.mark.parametrize(
    ("schedule", "now", "expected"),
    [
        (DAILY_UTC, utc(2026, 11, 30, 8, 59), utc(2026, 11, 30, 9, 0)),
        (DAILY_UTC, utc(2026, 11, 30, 9, 0), utc(2026, 12, 1, 9, 0)),  # due now: next is tomorrow
        # Madrid: CET (+1) in winter, CEST (+2) in summer; 09:00 local either way.
        (MADRID, utc(2026, 11, 30, 7, 0), utc(2026, 11, 30, 8, 0)),
        (MADRID, utc(2026, 7, 1, 6, 0), utc(2026, 7, 1, 7, 0)),
        # Spring forward (Sunday 29 March 2026, 02:00 -> 03:00): Saturday's 09:00 is 08:00 UTC,
        # Sunday's 07:00 UTC: 23 hours apart, still 09:00 on the wall.
        (MADRID, utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0)),
        # Fall back (25 October 2026): Sunday's 09:00 is 08:00 UTC, 25 hours after Saturday's.
        (MADRID, utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0)),
        # New York: spring forward on 8 March 2026, fall back on 1 November 2026.
        (NEW_YORK, utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 13, 0)),
        (NEW_YORK, utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0)),
        # Weekly: Mondays. Monday 30 November 2026 08:30 Madrid = 07:30 UTC.
        (WEEKLY, utc(2026, 11, 25, 12, 0), utc(2026, 11, 30, 7, 30)),
        (WEEKLY, utc(2026, 11, 30, 7, 30), utc(2026, 12, 7, 7, 30)),
        # The Monday after the spring change is in summer time.
        (WEEKLY, utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 6, 30)),
    ],
)
def test_next_due_is_the_wall_clock_time_in_the_zone(
    schedule: Schedule, now: datetime, expected: datetime
) -> None:
    assert next_due(schedule, now) == expected
    assert last_due(schedule, expected) == expected
    assert last_due(schedule, expected - timedelta(seconds=1)) < expected


def test_a_time_the_spring_change_skips_is_due_once_an_hour_later() -> None:
    skipped = Schedule(Every.DAILY, time(2, 30), "Europe/Madrid")
    # 02:30 does not exist on 29 March 2026 in Madrid: due at 03:30 CEST = 01:30 UTC.
    due = next_due(skipped, utc(2026, 3, 28, 12, 0))
    assert due == utc(2026, 3, 29, 1, 30)
    assert next_due(skipped, due) == utc(2026, 3, 30, 0, 30)
    assert period_key(skipped, due) == "2026-03-29"


def test_a_time_the_autumn_change_repeats_is_due_at_its_first_occurrence_only() -> None:
    repeated = Schedule(Every.DAILY, time(2, 30), "Europe/Madrid")
    first = next_due(repeated, utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    # An hour later it is 02:30 CET on the wall again: not due a second time that day.
    assert next_due(repeated, first + timedelta(hours=1)) == utc(2026, 10, 26, 1, 30)


def test_every_instant_of_a_local_day_across_a_change_has_one_period() -> None:
    keys = set()
    due = last_due(MADRID, utc(2026, 3, 20, 12, 0))
    for _ in range(20):  # 20 days across the spring change: 20 distinct days, none twice
        keys.add(period_key(MADRID, due))
        due = next_due(MADRID, due)
    assert len(keys) == 20


@pytest.mark.parametrize(
    ("schedule", "due", "key"),
    [
        (DAILY_UTC, utc(2026, 11, 30, 9, 0), "2026-11-30"),
        # 00:30 in Madrid on 1 December is still 30 November in UTC: the local day counts.
        (
            Schedule(Every.DAILY, time(0, 30), "Europe/Madrid"),
            utc(2026, 11, 30, 23, 30),
            "2026-12-01",
        ),
        (WEEKLY, utc(2026, 11, 30, 7, 30), "2026-W49"),
        (Schedule(Every.WEEKLY, time(9, 0)), utc(2027, 1, 4, 9, 0), "2027-W01"),
        (Schedule(Every.WEEKLY, time(9, 0)), utc(2026, 12, 28, 9, 0), "2026-W53"),
    ],
)
def test_period_key(schedule: Schedule, due: datetime, key: str) -> None:
    assert period_key(schedule, due) == key


def test_window_is_a_wall_clock_day_or_week() -> None:
    spring = next_due(MADRID, utc(2026, 3, 28, 12, 0))
    start, end = window(MADRID, spring)
    assert (start, end) == (utc(2026, 3, 28, 8, 0), spring)
    assert end - start == timedelta(hours=23)
    start, end = window(WEEKLY, utc(2026, 11, 30, 7, 30))
    assert end - start == timedelta(days=7)


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "9am", "", "09:00:00", "-1:00"])
def test_a_bad_time_is_refused_naming_what_to_type(text: str) -> None:
    with pytest.raises(UsageError, match="HH:MM"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "hhmm"), [("09:00", (9, 0)), ("9:05", (9, 5)), ("23:59", (23, 59))]
)
def test_good_times(text: str, hhmm: tuple[int, int]) -> None:
    assert parse_time(text) == time(*hhmm)


@pytest.mark.parametrize(
    "text", ["Mars/Olympus", "Europe/Madird", "../../etc/passwd", "CEST+2", "Europe", "zone.tab"]
)
def test_an_unknown_zone_is_refused_naming_what_to_type(text: str) -> None:
    with pytest.raises(UsageError, match="Europe/Madrid"):
        parse_zone(text)


def test_known_zones() -> None:
    assert parse_zone("Europe/Madrid") == "Europe/Madrid"
    assert parse_zone("utc") == "UTC"
    assert parse_zone("America/New_York") == "America/New_York"
