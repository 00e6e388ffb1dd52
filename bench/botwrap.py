"""`fsync-bot run` with its shared rate limiter watched, for benchmark 4.

Exactly `python -m bot run`, except that the Sync API client's RateLimiter is a subclass that
records every token taken (who, how long they waited) and counts poller tokens handed out while
a person was waiting: from the shared budget (a person waited behind the poller) and from the
poller's lane (outside people's budget: no person could have had it). The numbers go to
$BENCH_LIMITER_STATS as JSON every second and at exit.

    BENCH_LIMITER_STATS=/tmp/limiter.json python -m bench.botwrap
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from bot.firestartr.ratelimit import Priority, RateLimiter


class WatchedLimiter(RateLimiter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waits: dict[str, list[float]] = {"person": [], "poller": []}
        self.refused: dict[str, int] = {"person": 0, "poller": 0}
        self.grants: list[tuple[float, str]] = []
        self.poller_ahead_of_person = 0
        self.lane_while_person_waited = 0

    def acquire(
        self, priority: Priority = Priority.PERSON, *, timeout: float | None = None
    ) -> bool:
        started = self.clock()
        granted = super().acquire(priority, timeout=timeout)
        who = "person" if priority is Priority.PERSON else "poller"
        with self._lock:
            if granted:
                self.waits[who].append(self.clock() - started)
                self.grants.append((self.wall(), who))
            else:
                self.refused[who] += 1
        return granted

    def _take(self, priority: Priority, now: float) -> float:
        lane = self.lane_taken
        wait = super()._take(priority, now)
        if wait == 0.0 and priority is Priority.POLLER and self._people_waiting:
            if self.lane_taken > lane:
                self.lane_while_person_waited += 1
            else:
                self.poller_ahead_of_person += 1  # a person was waiting and the poller went first
        return wait

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "per_minute": self.per_minute,
                "waits": {k: list(v) for k, v in self.waits.items()},
                "refused": dict(self.refused),
                "grants": list(self.grants),
                "poller_ahead_of_person": self.poller_ahead_of_person,
                "lane_while_person_waited": self.lane_while_person_waited,
                "lane_taken": self.lane_taken,
            }


LIMITERS: list[WatchedLimiter] = []


def _make(*args: Any, **kwargs: Any) -> WatchedLimiter:
    limiter = WatchedLimiter(*args, **kwargs)
    LIMITERS.append(limiter)
    return limiter


def _dump(path: Path) -> None:
    data = [limiter.stats() for limiter in LIMITERS]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def main() -> int:
    import bot.firestartr.client as client_module
    from bot.__main__ import main as bot_main

    client_module.RateLimiter = _make  # type: ignore[misc, assignment]
    path = Path(os.environ["BENCH_LIMITER_STATS"])
    stop = threading.Event()

    def keep_dumping() -> None:
        while not stop.wait(1.0):
            _dump(path)

    threading.Thread(target=keep_dumping, daemon=True).start()
    try:
        return bot_main(["run"])
    finally:
        stop.set()
        _dump(path)


if __name__ == "__main__":
    sys.exit(main())
