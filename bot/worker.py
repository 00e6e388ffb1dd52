"""One base for fsync's background threads: start, wake, stop within a deadline, survive a crash.

A worker's thread calls `iteration()` over and over; it returns how many seconds to wait before
the next one. An iteration that raises is logged with its traceback and the loop goes on after
`crash_wait` seconds (a bug in one tick must not silence alerts for good). The wait between two
iterations ends early on `wake()` (new work) and on `stop()`.

`stop(deadline)` signals the thread and joins it until `deadline` (a `time.monotonic()` instant,
so one shutdown can share a single deadline among several workers). A thread still busy then
(a Slack call that hangs, a disk that does not answer) is named in one warning and left behind:
it is a daemon thread, so it cannot keep the process alive, and shutdown is not hung on it.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


class Worker:
    crash_wait = 1.0  # seconds after a crashed iteration before the next one
    first_wait = 0.0  # seconds after start before the first iteration
    stop_grace = 2.0  # how long `stop()` without a deadline waits for the thread

    def __init__(self, name: str) -> None:
        self.name = name  # also the thread's name: logs and `threading.enumerate()` show it
        self._stopping = threading.Event()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def iteration(self) -> float:
        """Do one round of work; returns the seconds to wait before the next one."""
        raise NotImplementedError

    # --- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread; does nothing while it already runs."""
        with self._starting:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Run the next iteration now rather than after the current wait."""
        self._woken.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self, deadline: float | None = None) -> bool:
        """Signal the thread and join it until `deadline` (monotonic; default: `stop_grace` from
        now). True when it has stopped; False, after one warning naming it, when it has not."""
        if deadline is None:
            deadline = time.monotonic() + self.stop_grace
        self._stopping.set()
        self._woken.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            log.warning("background worker %s did not stop in time; leaving it behind", self.name)
            return False
        return True

    # --- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        wait = self.first_wait
        while not self._pause(wait):
            try:
                wait = self.iteration()
            except Exception:
                log.exception("background worker %s: an iteration crashed; going on", self.name)
                wait = self.crash_wait

    def _pause(self, seconds: float) -> bool:
        """Wait up to `seconds`, less on wake or stop. True when the worker is to stop."""
        if seconds > 0 and not self._stopping.is_set():
            self._woken.wait(seconds)
        self._woken.clear()
        return self._stopping.is_set()
