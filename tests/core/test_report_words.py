"""`/fsync report` and `/fsync digest` as typed, read into commands; bad input says what to type."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.command import DigestOff, SetDigest, ShowDigest, ShowReport
from bot.core.parser import parse
from bot.core.schedule import Every, Schedule
from bot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report", ShowReport(7)),
        ("report 7d", ShowReport(7)),
        ("REPORT 30D", ShowReport(30)),
        ("digest", ShowDigest()),
        ("digest off", DigestOff()),
        ("digest daily 09:00", SetDigest(Schedule(Every.DAILY, time(9, 0), "UTC"))),
        (
            "digest Weekly 8:30 Europe/Madrid",
            SetDigest(Schedule(Every.WEEKLY, time(8, 30), "Europe/Madrid")),
        ),
        (
            "digest daily 23:59 America/New_York",
            SetDigest(Schedule(Every.DAILY, time(23, 59), "America/New_York")),
        ),
    ],
)
def test_what_is_typed_becomes_a_command(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("report 90d", "`7d` or `30d`"),
        ("report 7d 30d", "`7d` or `30d`"),
        ("digest monthly 09:00", "`daily`, `weekly` or `off`"),
        ("digest daily", "needs a time of day"),
        ("digest daily 9am", "HH:MM"),
        ("digest daily 24:00", "HH:MM"),
        ("digest weekly 09:00 Europe/Madird", "Europe/Madrid"),
        ("digest weekly 09:00 Europe Madrid", "one time zone at most"),
        ("digest off now", "`daily`, `weekly` or `off`"),
    ],
)
def test_bad_input_is_refused_naming_what_to_type(text: str, says: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(text)
    assert says in refused.value.user_message
    if text.startswith("digest"):
        assert "/fsync digest daily|weekly <HH:MM> [time zone]" in refused.value.user_message
