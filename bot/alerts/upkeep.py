"""What the poller does now and then after a tick, each in a transaction of its own (a failure
here never undoes the tick's alerts): fold the runs its ticks appended into history, every few
minutes; and forget what is older than kept, every hour, folding first."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from bot.alerts import history_repo, outbox, repo
from bot.store import Store

log = logging.getLogger(__name__)
# Seconds between two folds: a fold takes every run since the last one, and a page of
# history_runs dirtied once takes many runs (bot/alerts/history_repo.py, `record`).
FOLD_EVERY = 300.0
PRUNE_EVERY = 3600.0
KEEP = timedelta(days=14)  # alert episodes, cards and delivered outbox rows


class Upkeep:
    def __init__(self, store: Store, history_keep: timedelta) -> None:
        self.store, self.history_keep = store, history_keep
        # Both at the first tick: a restart folds what the last process left.
        self._folded = self._pruned = float("-inf")

    def after_tick(self, now: datetime) -> None:
        started = time.monotonic()
        prune = started - self._pruned >= PRUNE_EVERY
        if prune or started - self._folded >= FOLD_EVERY:
            self._folded = started
            self.fold()
        if prune:
            self._pruned = started
            self._prune(now)

    def fold(self) -> int:
        """The pending runs into history now; how many (0 when it failed: they stay pending)."""
        try:
            with self.store.transaction() as tx:
                return history_repo.fold(tx)
        except Exception:
            log.exception("history not folded; the next fold tries again")
            return 0

    def _prune(self, now: datetime) -> None:
        with self.store.transaction() as tx:
            outbox.prune(tx, now - KEEP)
            repo.prune(tx, now - KEEP)
        with self.store.transaction() as tx:  # its own: a failure here keeps alerts pruned
            history_repo.prune(tx, now - self.history_keep)
