"""Moments as fsync stores them: text that `datetime.fromisoformat` reads back."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """`moment` as stored: text that `datetime.fromisoformat` reads back to the same moment."""
    return moment.isoformat()


def maybe_iso(moment: datetime | None) -> str | None:
    """iso(moment), and None (an empty column) for no moment: never "now" by accident."""
    return None if moment is None else iso(moment)


def now_iso() -> str:
    """Now, as the time a row was written: to the millisecond, enough to order and to read."""
    return utcnow().isoformat(timespec="milliseconds")
