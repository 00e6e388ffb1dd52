"""Small helpers for the simulator's wire format: timestamps, ids, intervals, JSON bytes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

# Kept separate from bot.firestartr.models on purpose: the simulator stands in for a server we do
# not own, so it must not inherit a bug from the client's own reading of the contract.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$")
INTERVAL_PATTERN = re.compile(r"^([1-9][0-9]*)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_CONFIG_INTERVAL = 60
MAX_CONFIG_INTERVAL = 7 * 86400

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def interval_seconds(text: str) -> int | None:
    """Seconds in a wire interval like `10m`, or None if it is not one."""
    match = INTERVAL_PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def rfc3339(moment: float | None) -> str | None:
    if moment is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def rfc3339_ms(moment: float) -> str:
    millis = int((moment % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{millis:03d}Z"


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class IdMaker:
    """ULID-looking ids (`run_01J9ZK2W7D`): time-ordered, unique within the process.

    Never reset with the fleet, so an id a client cached before /_sim/reset cannot point at a
    different object afterwards.
    """

    def __init__(self) -> None:
        self._last = 0

    def make(self, prefix: str) -> str:
        value = max(self._last + 1, int(time.time() * 1000))
        self._last = value
        chars = []
        for _ in range(10):
            value, digit = divmod(value, 32)
            chars.append(_CROCKFORD[digit])
        return f"{prefix}_{''.join(reversed(chars))}"
