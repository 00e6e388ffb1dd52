"""bot/store.py's small helpers: times as text, and the key/value facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import iso, maybe_iso, now_iso

MOMENT = datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [MOMENT, MOMENT.replace(microsecond=0), MOMENT.astimezone(timezone(timedelta(hours=2)))],
)
def test_iso_reads_back_to_the_same_moment(moment: datetime) -> None:
    assert datetime.fromisoformat(iso(moment)) == moment
    assert maybe_iso(moment) == iso(moment)


def test_no_moment_stays_empty_and_is_never_now() -> None:
    assert maybe_iso(None) is None


def test_now_iso_is_now_to_the_millisecond() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    text = now_iso()
    after = datetime.now(UTC)
    assert len(text.split(".")[1]) == len("123+00:00")  # milliseconds, then the offset
    assert before <= datetime.fromisoformat(text) <= after
