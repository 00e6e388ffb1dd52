"""SyncThrottle: five syncs a minute per person, a sliding window, its own lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.throttle import SyncThrottle
from bot.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_the_wait_is_said() -> None:
    clock = Clock()
    limit = SyncThrottle(2, clock=clock)
    limit.take("U1")
    clock.now += 30
    limit.take("U1")
    with pytest.raises(RateLimited) as refused:
        limit.take("U1")
    assert refused.value.retry_after == 31
    assert "2 syncs in the last minute. Try again in 31s." in refused.value.user_message
    limit.take("U2")  # per person
    clock.now += 31  # the first has left the window; the refused try was not counted
    limit.take("U1")
    with pytest.raises(RateLimited):
        limit.take("U1")


def test_people_racing_get_exactly_the_limit() -> None:
    limit = SyncThrottle(5)
    start = threading.Barrier(20)

    def one() -> bool:
        start.wait(5)
        try:
            limit.take("U1")
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(20) as pool:
        taken = list(pool.map(lambda _: one(), range(20)))
    assert taken.count(True) == 5
