"""The suite's one wait: poll a fact until it holds, never sleep a fixed time and hope.

A test that sleeps passes on a fast machine without having seen anything, and wastes the
sleep on every other run; waiting on what a user would notice (the fake Slack's log, the
outbox, the simulator's request log, a process's state) is both faster and honest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    check: Callable[[], T], timeout: float = 30.0, what: str = "", every: float = 0.05
) -> T:
    """Call `check` until it returns something truthy and return that; fail after `timeout`
    seconds naming `what` and the last answer. The timeout only bounds a failure (a fact that
    holds returns at once), so it is generous: alerts are paced at one a second a channel, and
    a loaded 2-core machine running six workers once took over 10 s to show one."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what or check}; last answer: {found!r}"
            )
        time.sleep(every)
