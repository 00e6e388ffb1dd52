"""How many syncs one person may start in a minute: a sliding window per person."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from bot.core.words import plural
from bot.errors import RateLimited

SYNCS_PER_USER_PER_MINUTE = 5
WINDOW = 60.0


class SyncThrottle:
    def __init__(
        self,
        limit: int = SYNCS_PER_USER_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.clock = limit, clock
        self._times: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def take(self, user: str) -> None:
        """Count one sync by `user`, or RateLimited saying how long to wait (nothing counted)."""
        now = self.clock()
        with self._lock:
            times = self._times[user]
            while times and now - times[0] > WINDOW:
                times.popleft()
            if len(times) >= self.limit:
                wait = int(WINDOW - (now - times[0])) + 1
                raise RateLimited(
                    f"You have started {plural(len(times), 'sync')} in the last minute. "
                    f"Try again in {wait}s.",
                    retry_after=wait,
                )
            times.append(now)
