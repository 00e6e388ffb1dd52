"""Durations as people type them (`90m`, `1h30m`, `2 hours`) and as the API wants them (`90m`)."""

from __future__ import annotations

import re

from bot.core.words import plural
from bot.errors import UsageError

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "wk": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
MIN_INTERVAL = 60
MAX_INTERVAL = 7 * 86400
EXAMPLES = "`15m`, `1h30m`, `2 hours` or `1d`"


def parse_duration(text: str) -> int:
    """Seconds in `text`, or UsageError saying how to write it."""
    cleaned = text.strip().lower().replace(",", " ").replace(" and ", " ")
    if not cleaned:
        raise UsageError(f"A duration is missing. Write it like {EXAMPLES}.")
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise UsageError(f"`{text.strip()}` has no unit. Write it like {EXAMPLES}.")
    pos, total = 0, 0.0
    for match in _PART.finditer(cleaned):
        gap = cleaned[pos : match.start()]
        unit = _UNITS.get(match.group(2))
        if gap.strip() or unit is None:
            break
        total += float(match.group(1)) * unit
        pos = match.end()
    else:
        if cleaned[pos:].strip() == "" and pos > 0:
            return round(total)
    raise UsageError(
        f"`{text.strip()[:40]}` is not a duration fsync understands. Write it like {EXAMPLES}."
    )


def format_interval(seconds: int) -> str:
    """The wire form: one whole number and the largest unit that divides evenly."""
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"


def spoken(seconds: int) -> str:
    """`1 minute`, `7 days`, `90 seconds`: a bound in words, in the largest whole unit."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return plural(seconds // size, unit)
    return plural(seconds, "second")


def check_bounds(text: str, seconds: int, low: int, high: int, rule: str) -> None:
    """UsageError naming the bound `text` breaks: "`30s` is shorter than the minimum of 1
    minute: a sync interval is between 1 minute and 7 days." (`rule`: "a sync interval is")."""
    if seconds < low:
        broken = f"shorter than the minimum of {spoken(low)}"
    elif seconds > high:
        broken = f"longer than the maximum of {spoken(high)}"
    else:
        return
    raise UsageError(
        f"`{text.strip()[:40]}` is {broken}: {rule} between {spoken(low)} and {spoken(high)}."
    )


def normalise_interval(text: str) -> str:
    seconds = parse_duration(text)
    check_bounds(text, seconds, MIN_INTERVAL, MAX_INTERVAL, "a sync interval is")
    return format_interval(seconds)


def interval_seconds(wire: str | None) -> int | None:
    """Seconds of an API interval like `10m`; None when absent or unreadable."""
    if not wire:
        return None
    match = re.fullmatch(r"([1-9][0-9]*)([smhd])", wire.strip())
    if not match:
        return None
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def humanize(seconds: float) -> str:
    """`2h 5m` style, at most two units, for people."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds}s"
    parts = []
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{suffix}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
