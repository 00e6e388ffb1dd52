"""The alerts lease: one process per database polls and sends; another one waits to take over.

A row in `alert_lease` names the holder and when its hold expires (wall-clock seconds: the
processes sharing an SQLite file are on one machine; PostgreSQL replicas need clocks kept in step
by NTP, well within the TTL). A keeper thread renews it four times per TTL. Every write that
matters (a tick's snapshot and outbox rows, an outbox claim) checks the lease inside its own
writing transaction, so a process that lost the lease while busy cannot commit stale work: the
new holder reloads the snapshot from the database and carries on from there.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable

from bot.engine import Db
from bot.sql import replace_into
from bot.store import Store
from bot.worker import Worker

log = logging.getLogger(__name__)
NAME = "alerts"


class Lease(Worker):
    def __init__(
        self,
        store: Store,
        ttl: float,
        *,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__("alerts-lease")
        self.store, self.ttl, self.clock = store, ttl, clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.generation = 0  # +1 each time the lease is (re)gained: the poller reloads then
        self._until = 0.0
        self.crash_wait = ttl / 4

    # --- state -------------------------------------------------------------------------------
    def held(self) -> bool:
        """Held, with a margin: work started now finishes before anyone may take over."""
        return self.clock() < self._until - self.ttl / 4

    def check(self, db: Db) -> bool:
        """Inside a transaction: is the lease still ours?"""
        row = db.execute("SELECT holder, expires_at FROM alert_lease WHERE name = ?", [NAME])
        found = row.fetchone()
        return found is not None and found[0] == self.holder and found[1] > self.clock()

    def renew(self) -> bool:
        """Take the lease if free or expired, or extend ours. True when held afterwards."""
        now = self.clock()
        with self.store.transaction() as db:
            found = db.execute(
                "SELECT holder, expires_at FROM alert_lease WHERE name = ?", [NAME]
            ).fetchone()
            if found is not None and found[0] != self.holder and found[1] > now:
                held = False
            else:
                db.execute(
                    replace_into("alert_lease", "name, holder, expires_at", "name"),
                    [NAME, self.holder, now + self.ttl],
                )
                held = True
        was = self.held()
        self._until = now + self.ttl if held else 0.0
        if held and not was:
            self.generation += 1
            log.info("alerts lease taken by %s", self.holder)
        return held

    def release(self) -> None:
        self._until = 0.0
        try:
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE alert_lease SET expires_at = 0 WHERE name = ? AND holder = ?",
                    [NAME, self.holder],
                )
        except Exception:
            log.exception("could not release the alerts lease (it expires by itself)")

    # --- the keeper thread (bot/worker.py runs it) ---------------------------------------------
    def stop(self, deadline: float | None = None) -> bool:
        stopped = super().stop(deadline)
        self.release()
        return stopped

    def iteration(self) -> float:
        try:
            self.renew()
        except Exception:
            self._until = 0.0  # not known to be ours: nothing is polled or sent meanwhile
            raise  # logged by the worker loop, which tries again in ttl / 4
        return self.ttl / 4


def live_holder(db: Db, now: float) -> str | None:
    """Who holds the lease now (any process), or None when nobody does."""
    found = db.execute(
        "SELECT holder, expires_at FROM alert_lease WHERE name = ?", [NAME]
    ).fetchone()
    return str(found[0]) if found is not None and found[1] > now else None
