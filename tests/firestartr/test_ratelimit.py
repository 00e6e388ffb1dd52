from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.firestartr.ratelimit import Priority, RateLimiter, parse_retry_after

from .fakes import WALL_START, FakeClock


def limiter(clock: FakeClock, per_minute: int = 60, **kw: float) -> RateLimiter:
    """Without the poller's lane unless asked: most tests are about the shared budget."""
    kw.setdefault("poller_lane", 0)
    return RateLimiter(per_minute, clock=clock, sleep=clock.sleep, wall=clock.wall, **kw)


def drain(bucket: RateLimiter, priority: Priority = Priority.PERSON) -> int:
    taken = 0
    while bucket.acquire(priority, timeout=0):
        taken += 1
    return taken


def test_starts_full_and_never_holds_more_than_capacity(clock: FakeClock) -> None:
    bucket = limiter(clock, per_minute=10)
    clock.now += 3600
    assert drain(bucket) == 10
    assert clock.slept == []


def test_refills_per_minute_over_sixty_seconds(clock: FakeClock) -> None:
    bucket = limiter(clock, per_minute=10)
    assert drain(bucket) == 10
    clock.now += 5.9
    assert bucket.tokens == pytest.approx(5.9 / 6)
    clock.now += 0.1
    assert bucket.tokens == pytest.approx(1.0)


def test_never_more_than_per_minute_in_any_sixty_seconds(clock: FakeClock) -> None:
    # A full bucket refilling as it is spent would hand out ~2x per_minute in the first minute.
    bucket = limiter(clock, per_minute=10)
    granted = []
    for _ in range(400):
        if bucket.acquire(timeout=0):
            granted.append(clock.now)
        clock.now += 0.5
    assert max(sum(1 for t in granted if start <= t < start + 60) for start in granted) == 10
    assert len(granted) == 10 * 4  # 200 s: the whole budget of every minute, no less


def test_a_blocked_caller_sleeps_until_the_window_has_room(clock: FakeClock) -> None:
    bucket = limiter(clock, per_minute=10)
    drain(bucket)
    before = clock.now
    assert bucket.acquire()
    assert clock.now - before == pytest.approx(61.0, abs=0.06)  # 60 s and a second's margin


def test_timeout_that_cannot_be_met_returns_false_without_waiting(clock: FakeClock) -> None:
    bucket = limiter(clock, per_minute=10)
    drain(bucket)
    assert bucket.acquire(timeout=2.0) is False
    assert sum(clock.slept) == 0


@pytest.mark.parametrize(
    ("per_minute", "reserve", "poller_gets"),
    [(10, 0.2, 8), (100, 0.2, 80), (10, 0.0, 10), (1, 0.5, 1)],
)
def test_poller_leaves_the_reserve_to_people(
    clock: FakeClock, per_minute: int, reserve: float, poller_gets: int
) -> None:
    bucket = limiter(clock, per_minute=per_minute, poller_reserve=reserve)
    assert drain(bucket, Priority.POLLER) == poller_gets
    assert drain(bucket, Priority.PERSON) == per_minute - poller_gets


def test_pause_until_holds_everyone_back(clock: FakeClock) -> None:
    bucket = limiter(clock)
    bucket.pause_until(clock.now + 5)
    assert bucket.paused_for() == 5
    assert not bucket.acquire(timeout=4.9)
    assert bucket.acquire(Priority.POLLER)
    assert clock.now >= 1005.0
    # A shorter pause never shortens a longer one.
    bucket.pause_until(clock.now + 10)
    bucket.pause_until(clock.now + 1)
    assert bucket.paused_for() == 10


@pytest.mark.parametrize(
    ("headers", "tokens_left", "paused_for"),
    [
        ({}, 60, 0),
        ({"X-RateLimit-Remaining": "7"}, 7, 0),
        ({"x-ratelimit-remaining": "500"}, 60, 0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL_START + 12)}, 0, 12),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}, 0, 20),  # delta seconds
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL_START - 9)}, 0, 0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL_START + 9e6)}, 0, 120),
        ({"X-RateLimit-Remaining": "0"}, 0, 0),
        ({"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "soon"}, 60, 0),
    ],
)
def test_observe_headers(
    clock: FakeClock, headers: dict[str, str], tokens_left: float, paused_for: float
) -> None:
    bucket = limiter(clock)
    bucket.observe_headers(headers)
    assert bucket.tokens == tokens_left
    assert bucket.paused_for() == pytest.approx(paused_for)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        (format_datetime(datetime.fromtimestamp(WALL_START + 7, UTC), usegmt=True), 7.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, WALL_START) == seconds


@pytest.mark.parametrize(("people", "pollers"), [(1, 1), (3, 2), (2, 4)])
def test_people_get_tokens_before_the_poller(people: int, pollers: int) -> None:
    clock = FakeClock()
    waiting: set[str] = set()
    guard = threading.Lock()

    def sleep(seconds: float) -> None:
        with guard:
            waiting.add(threading.current_thread().name)
        time.sleep(0.001)  # real time passes; the fake clock only moves when the test says

    bucket = RateLimiter(60, clock=clock, sleep=sleep, poller_reserve=0.0, poller_lane=0)
    for _ in range(60):  # one a second: a second from now on, one more is free each second
        assert bucket.acquire(timeout=0)
        clock.now += 1.0
    order: list[Priority] = []

    def take(priority: Priority) -> None:
        assert bucket.acquire(priority, timeout=600)
        with guard:
            order.append(priority)

    threads = [
        threading.Thread(target=take, args=(p,), name=f"{p.name}-{i}")
        for i, p in enumerate([Priority.POLLER] * pollers + [Priority.PERSON] * people)
    ]
    for thread in threads:  # pollers queue first: they must still come last
        thread.start()
        deadline = time.monotonic() + 5
        while thread.name not in waiting and time.monotonic() < deadline:
            time.sleep(0.001)
    for granted in range(1, people + pollers + 1):
        clock.now += 1.0  # exactly one token
        deadline = time.monotonic() + 5
        while len(order) < granted and time.monotonic() < deadline:
            time.sleep(0.001)
    for thread in threads:
        thread.join(timeout=5)
    assert order == [Priority.PERSON] * people + [Priority.POLLER] * pollers


def test_the_poller_lane_keeps_alerts_alive_while_people_take_everything(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bucket = limiter(clock, per_minute=100, poller_lane=None)  # the default: 4 a minute
    # People alone take 96 of 100: the rest is the poller's, whoever is waiting.
    assert drain(bucket) == 96
    bucket._people_waiting += 1  # a person waiting stops every poller token but the lane's
    assert drain(bucket, Priority.POLLER) == 4
    assert not bucket.acquire(Priority.PERSON, timeout=0)
    # Four more a minute, not a burst: each lane slot frees 61 s after it was used.
    clock.now += 60.9
    assert not bucket.acquire(Priority.POLLER, timeout=0)
    clock.now += 0.1
    assert drain(bucket, Priority.POLLER) == 4
    # Said in the log, once per five minutes rather than once per poll.
    said = [r.getMessage() for r in caplog.records if "of the Sync API budget" in r.getMessage()]
    assert said == [
        "People are using most of the Sync API budget (theirs is 96 a minute); alerts go on "
        "through the poller's own lane of 4 a minute"
    ]


@pytest.mark.parametrize(("per_minute", "lane"), [(100, 4), (1000, 4), (30, 3), (9, 0), (1, 0)])
def test_the_lane_is_small_and_absent_under_tiny_limits(per_minute: int, lane: int) -> None:
    clock = FakeClock()
    bucket = RateLimiter(per_minute, clock=clock, sleep=clock.sleep)
    assert drain(bucket) == per_minute - lane
    bucket._people_waiting += 1  # people are waiting: the poller gets its lane and no more
    assert drain(bucket, Priority.POLLER) == lane


@pytest.mark.parametrize(
    "server_says",
    [
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"},  # a pause until the reset
        {"X-RateLimit-Remaining": "0"},  # nothing left, and no word on when
    ],
)
def test_the_lane_waits_when_the_server_says_nothing_remains(
    clock: FakeClock, server_says: dict[str, str]
) -> None:
    bucket = limiter(clock, per_minute=100, poller_lane=None)
    drain(bucket)
    bucket.observe_headers(server_says)
    assert not bucket.acquire(Priority.POLLER, timeout=0)
    bucket.observe_headers({"X-RateLimit-Remaining": "3"})
    clock.now += 30
    assert bucket.acquire(Priority.POLLER, timeout=0)


@settings(max_examples=60, deadline=None)
@given(
    per_minute=st.sampled_from([1, 5, 10, 12, 40, 100]),
    steps=st.lists(
        st.tuples(
            st.sampled_from(list(Priority)),
            st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.6, 2.0, 30.0, 55.0]),  # bursts, and lulls
            st.booleans(),
        ),
        min_size=20,
        max_size=300,
    ),
)
def test_never_over_the_limit_whoever_asks_and_whenever(
    per_minute: int, steps: list[tuple[Priority, float, bool]]
) -> None:
    """Any mix of people and poller, any timing, someone waiting or not: at most `per_minute`
    grants in any 60 s, and people never more than their share."""
    clock = FakeClock()
    bucket = RateLimiter(per_minute, clock=clock, sleep=clock.sleep)
    lane = min(4, per_minute // 10)
    granted: list[tuple[float, Priority]] = []
    for priority, pause, person_waits in steps:
        clock.now += pause
        bucket._people_waiting = int(person_waits)
        if bucket.acquire(priority, timeout=0):
            granted.append((clock.now, priority))
    bucket._people_waiting = 0
    for start, _ in granted:
        window = [p for t, p in granted if start <= t < start + 60]
        assert len(window) <= per_minute
        assert sum(1 for p in window if p is Priority.PERSON) <= per_minute - lane


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="per_minute"):
        RateLimiter(0)
    with pytest.raises(ValueError, match="poller_reserve"):
        RateLimiter(10, poller_reserve=1.0)
    with pytest.raises(ValueError, match="poller_lane"):
        RateLimiter(10, poller_lane=10)
