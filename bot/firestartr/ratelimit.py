"""Client-side rate limiting for the Sync API: one token bucket shared by every caller.

The API allows 100 requests per minute per key [REF]. People and the poller share that budget and
people go first: the poller never takes the last `poller_reserve` of the bucket and stands aside
while a person waits. The server's own signals (a 429's Retry-After, `X-RateLimit-Remaining: 0`
with `X-RateLimit-Reset`) pause everyone, because the server knows better than our estimate.

Two limits hold over any 60 seconds (61, for a margin), whatever the bucket says: at most
`per_minute` requests in all (a full bucket after an idle spell would otherwise allow twice that
in one minute), and at most `per_minute - poller_lane` for people. The poller's lane (4 a minute
at the default limit: a listing and a conflicts lookup every 30 s) is what keeps alerts alive
while people use the whole budget during an incident; people's own limit never counts a lane
request, since they could never have had it (benchmark 4 found the poller starved for five
minutes without it). When the server says nothing remains, the lane waits like everyone else.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from enum import IntEnum

from bot.metrics import Metrics

# The longest single sleep: a waiting caller re-checks this often, so a poller notices a person
# who started waiting and everyone notices a pause that was extended or lifted.
_SLICE = 0.05
# `X-RateLimit-Reset` below this is a delta in seconds, above it Unix seconds; some servers send
# one, some the other, and a Unix time this small would be 1973.
_UNIX_EPOCH_CUTOFF = 100_000_000.0
# A per-minute limit never needs a longer pause; a skewed wall clock must not stall fsync for hours.
_MAX_HEADER_PAUSE = 120.0
# The server counts a request when it arrives, fsync when it hands out the token: one second
# more than the server's minute keeps a slow request and a fast one from meeting in its window.
WINDOW = 61.0
LANE_LOG_EVERY = 300.0  # seconds between two "people use most of the budget" log lines

log = logging.getLogger(__name__)


class Priority(IntEnum):
    PERSON = 0
    POLLER = 1


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta seconds or an HTTP date), or None.

    `now` is the current Unix time, used only for HTTP dates.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


class RateLimiter:
    """A thread-safe token bucket of `per_minute` tokens that refills continuously."""

    def __init__(
        self,
        per_minute: int = 100,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poller_reserve: float = 0.2,
        poller_lane: int | None = None,
        wall: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        if not 0.0 <= poller_reserve < 1.0:
            raise ValueError("poller_reserve must be in [0, 1)")
        lane = min(4, per_minute // 10) if poller_lane is None else poller_lane
        if not 0 <= lane < per_minute:
            raise ValueError("poller_lane must be in [0, per_minute)")
        self.per_minute = per_minute
        self.clock = clock
        self.wall = wall
        self._sleep = sleep
        self.metrics = metrics or Metrics()
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        # The poller needs this many tokens in the bucket to take one, so people always find some.
        self._poller_needs = min(self._capacity, poller_reserve * per_minute + 1.0)
        self._lock = threading.Lock()
        self._tokens = self._capacity
        self._stamp = clock()
        self._paused_until = -math.inf
        self._people_waiting = 0
        self._lane = lane
        # Grant times of the last 60 s: people's and the poller's from the bucket, and the lane's.
        self._shared: deque[float] = deque()
        self._lane_granted: deque[float] = deque()
        self._people_cap = per_minute - lane
        # The poller takes from the bucket only while people keep `_poller_needs - 1` of theirs.
        self._poller_cap = math.floor(self._people_cap - self._poller_needs) + 1
        self.lane_taken = 0  # requests the poller made through its lane, since the start
        self._lane_logged = -math.inf
        self._lane_note = False  # a log line is due (written outside the lock)
        self._server_empty = False  # the server said nothing remains, and not until when

    def __repr__(self) -> str:
        return f"RateLimiter(per_minute={self.per_minute})"

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill(self.clock())
            return self._tokens

    def paused_for(self) -> float:
        """Seconds until the current pause ends (0 when not paused)."""
        with self._lock:
            return max(0.0, self._paused_until - self.clock())

    def acquire(
        self, priority: Priority = Priority.PERSON, *, timeout: float | None = None
    ) -> bool:
        """Take one token, waiting as long as needed (or `timeout` seconds); False on timeout."""
        started = self.clock()
        deadline = None if timeout is None else started + max(0.0, timeout)
        registered = slept = False
        try:
            while True:
                with self._lock:
                    now = self.clock()
                    wait = self._take(priority, now)
                    note, self._lane_note = self._lane_note, False
                    if wait != 0.0 and priority is Priority.PERSON and not registered:
                        self._people_waiting += 1
                        registered = True
                if note:
                    log.warning(
                        "People are using most of the Sync API budget (theirs is %d a minute); "
                        "alerts go on through the poller's own lane of %d a minute",
                        self._people_cap,
                        self._lane,
                    )
                if wait == 0.0:
                    if slept:
                        self.metrics.rate_limiter_wait(now - started)
                    return True
                if deadline is not None:
                    left = deadline - now
                    # `wait` is a lower bound, so a caller that cannot make it gives up at once.
                    if left <= 0.0 or wait > left:
                        if slept:
                            self.metrics.rate_limiter_wait(now - started)
                        return False
                    wait = min(wait, left)
                slept = True
                self._sleep(min(wait, _SLICE))
        finally:
            if registered:
                with self._lock:
                    self._people_waiting -= 1

    def pause_until(self, monotonic_deadline: float) -> None:
        """Hand out no token before `monotonic_deadline` (on the limiter's clock).

        Nothing refills during a pause beyond the one token due when it ends: the server hands
        out no requests meanwhile, and tokens saved up would all be spent in one burst the moment
        it ends, which the server answers with 429s (benchmark 4 saw a dozen at each minute
        boundary).
        """
        with self._lock:
            self._refill(self.clock())
            self._paused_until = max(self._paused_until, monotonic_deadline)
            self._stamp = max(self._stamp, self._paused_until - 1.0 / self._rate)

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        """Trust the server's `X-RateLimit-Remaining` when lower than ours; pause on 0 + Reset."""
        lowered = {str(key).lower(): str(value) for key, value in headers.items()}
        remaining = _number(lowered.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        reset = _number(lowered.get("x-ratelimit-reset"))
        with self._lock:
            self._refill(self.clock())
            self._tokens = min(self._tokens, max(0.0, remaining))
            # With a reset time, the pause below holds everyone, the lane too; without one,
            # the lane waits until an answer says something remains again.
            self._server_empty = remaining <= 0 and reset is None
        if remaining <= 0 and reset is not None:
            delay = reset - self.wall() if reset >= _UNIX_EPOCH_CUTOFF else reset
            self.pause_until(self.clock() + min(max(0.0, delay), _MAX_HEADER_PAUSE))

    def _refill(self, now: float) -> None:
        if now <= self._stamp:  # in a pause (see pause_until): nothing refills before its end
            return
        self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def _take(self, priority: Priority, now: float) -> float:
        """Take a token and return 0.0, or return a lower bound of the seconds to wait."""
        self._refill(now)
        self._forget(now)
        if now < self._paused_until:
            return max(self._paused_until - now, 1e-6)
        shared = self._shared
        if priority is Priority.PERSON:
            wait = max((1.0 - self._tokens) / self._rate, _until(shared, self._people_cap, now))
        elif self._people_waiting:
            wait = _SLICE
        else:
            wait = max(
                (self._poller_needs - self._tokens) / self._rate,
                _until(shared, self._poller_cap, now),
            )
        if wait <= 0.0:
            self._tokens -= 1.0
            shared.append(now)
            return 0.0
        if priority is Priority.POLLER and self._lane and not self._server_empty:
            lane = _until(self._lane_granted, self._lane, now)
            if lane <= 0.0:  # outside the bucket: people never find a token the lane took
                self._lane_granted.append(now)
                self.lane_taken += 1
                if now - self._lane_logged >= LANE_LOG_EVERY:
                    self._lane_logged, self._lane_note = now, True
                return 0.0
            wait = min(wait, lane)
        return max(wait, 1e-6)

    def _forget(self, now: float) -> None:
        for granted in (self._shared, self._lane_granted):
            while granted and granted[0] <= now - WINDOW:
                granted.popleft()


def _until(granted: deque[float], cap: int, now: float) -> float:
    """Seconds until fewer than `cap` of `granted` are within the last 60 s."""
    if cap <= 0:
        return math.inf
    over = len(granted) - cap
    return 0.0 if over < 0 else granted[over] + WINDOW - now
