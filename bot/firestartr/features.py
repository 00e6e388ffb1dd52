"""Which [ASSUMED] endpoints (run details, conflicts, run logs, approvals) the Sync API server
offers, as last seen.

A 404/405 from such an endpoint may mean the server lacks it, or only that a proxy, a deploy or
a restart answered for a moment. So a "not offered" verdict is remembered for `recheck` seconds
(calls in between fail at once, without asking), and the next call after that asks again: a
transient 404 costs minutes of that feature, not the rest of the process's life.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

NAMES = ("runs", "conflicts", "logs", "approvals")
RECHECK = 300.0  # seconds a "not offered" verdict holds before the server is asked again


class Features:
    def __init__(self, clock: Callable[[], float], recheck: float = RECHECK) -> None:
        self._clock, self.recheck = clock, recheck
        self._off_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def offered(self, name: str) -> bool:
        """False while a recent verdict says the server lacks `name`; True once it is stale."""
        with self._lock:
            until = self._off_until.get(name)
            return until is None or self._clock() >= until

    def turn_off(self, name: str) -> None:
        with self._lock:
            self._off_until[name] = self._clock() + self.recheck

    def seen_working(self, name: str) -> None:
        with self._lock:
            if self._off_until.pop(name, None) is not None:
                log.info("Sync API offers %s again: feature turned back on", name)

    def snapshot(self) -> dict[str, bool]:
        return {name: self.offered(name) for name in NAMES}
