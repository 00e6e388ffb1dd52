"""The audit trail of fsync's writes, kept in step with what reached the Sync API.

A write is recorded in two steps: an intent row (outcome "pending") just before the request
leaves, and its outcome once the answer is in. No intent row, no request: when the row cannot be
written (the database locked past its busy timeout, the disk full) the write is refused with
NotRecorded and nothing is sent. Once a request has left, nothing about the database changes what
the person is told: an outcome (or a refusal, or a resolution claim) that cannot be written now is
logged and written later by a retry thread, with the time it happened. A process that dies before
that leaves the intent row "pending": the honest answer, since the request may have been applied.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import NotRecorded, StoreUnavailable
from bot.store import Store
from bot.times import utcnow
from bot.worker import Worker

log = logging.getLogger(__name__)
RETRY_EVERY = 2.0
# A write still failing after this long is given up on (and logged): an hour of a locked or full
# database is an outage someone is already looking at; the intent row stays "pending".
GIVE_UP_AFTER = 3600.0


@dataclass
class _Later:
    what: str
    write: Callable[[], None]
    since: float


@dataclass
class Entry:
    """The audit record of one write, from before it is sent to its outcome."""

    trail: AuditTrail
    user: str
    action: str
    workspace: str | None
    args: dict[str, Any]
    row: int | None = None
    at: datetime = field(default_factory=utcnow)

    def before_send(self) -> None:
        """Write the intent row; call right before the request that changes something leaves.

        Raises NotRecorded when the row cannot be written: the caller must not send.
        """
        if self.row is not None:
            return
        try:
            self.row = self.trail.store.audit(
                user_id=self.user,
                action=self.action,
                workspace=self.workspace,
                args=self.args,
                outcome="pending",
                at=self.at,
            )
        except StoreUnavailable as exc:
            log.warning("%s by %s not sent: no audit row (%s)", self.action, self.user, exc.reason)
            raise NotRecorded(exc.reason) from exc

    def finish(self, outcome: str, detail: str = "", *, store_failed: bool = False) -> None:
        """Record the outcome; never raises. `store_failed`: the database just failed, so the
        row is written later instead of making the person wait on it a second time."""
        row = self.row
        if row is None:
            write = self._insert(outcome, detail)
        else:

            def write() -> None:
                # With the args as they are now: a retried config change has its own before/after.
                self.trail.store.finish_audit(row, outcome=outcome, detail=detail, args=self.args)

        self.trail.later(f"audit {self.action} {outcome}", write, now=not store_failed)

    def _insert(self, outcome: str, detail: str) -> Callable[[], None]:
        def write() -> None:
            self.trail.store.audit(
                user_id=self.user,
                action=self.action,
                workspace=self.workspace,
                args=self.args,
                outcome=outcome,
                detail=detail,
                at=self.at,
            )

        return write


class AuditTrail:
    def __init__(
        self,
        store: Store,
        *,
        retry_every: float = RETRY_EVERY,
        give_up_after: float = GIVE_UP_AFTER,
    ) -> None:
        self.store = store
        self.retry_every, self.give_up_after = retry_every, give_up_after
        self._queue: list[_Later] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        # Started by the first write kept for later; stopped by close().
        self._retrier = _Retrier(self.flush, retry_every)

    def entry(self, user: str, action: str, workspace: str | None, args: dict[str, Any]) -> Entry:
        return Entry(self, user, action, workspace, args)

    def refused(
        self, user: str, action: str, workspace: str | None, args: dict[str, Any], detail: str
    ) -> None:
        """Record a refusal (nothing was sent); never raises, so the person still sees why."""
        self.entry(user, action, workspace, args).finish("denied", detail)

    def later(self, what: str, write: Callable[[], None], *, now: bool = True) -> None:
        """Run a store write now if it works, else keep it for the retry thread."""
        if now:
            try:
                write()
                return
            except StoreUnavailable as exc:
                log.warning("could not write %s (%s); retrying in the background", what, exc.reason)
        with self._lock:
            self._queue.append(_Later(what, write, time.monotonic()))
        self._retrier.start()  # nothing when it runs already

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def flush(self) -> bool:
        """Try every kept write once, oldest first; True when none is left."""
        with self._flushing:
            with self._lock:
                queue, self._queue = self._queue, []
            kept: list[_Later] = []
            for n, item in enumerate(queue):
                try:
                    item.write()
                    log.info("wrote %s after a retry", item.what)
                except StoreUnavailable as exc:
                    # The database is still unavailable: the rest would each wait out the busy
                    # timeout only to fail the same way. They wait for the next round.
                    if time.monotonic() - item.since > self.give_up_after:
                        log.error("gave up writing %s (%s)", item.what, exc.reason)
                    else:
                        kept.append(item)
                    kept += queue[n + 1 :]
                    break
            with self._lock:
                self._queue[:0] = kept
                return not self._queue

    def close(self, deadline: float | None = None) -> None:
        """At shutdown: stop the retry thread (joined until `deadline`, monotonic), one last
        try; what is still kept is logged, since it is lost."""
        self._retrier.stop(deadline)
        if self.flush():
            return
        with self._lock:
            lost = [item.what for item in self._queue]
        log.error("stopping with %d audit writes not written: %s", len(lost), "; ".join(lost))


class _Retrier(Worker):
    """Tries the kept writes every `every` seconds (bot/worker.py logs a round that crashes: a
    bug in one write must not stop the others being retried)."""

    def __init__(self, flush: Callable[[], bool], every: float) -> None:
        super().__init__("audit-retry")
        self.flush, self.every = flush, every
        self.first_wait = self.crash_wait = every

    def iteration(self) -> float:
        self.flush()
        return self.every
