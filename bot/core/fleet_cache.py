"""The fleet listing people see, and the last known one for when the Sync API is down.

One FleetCache is shared by the commands (which ask for the fleet) and the poller (which leaves
each listing it reads here), so a person shown the fleet while the API is down sees the poller's
latest, not their own last question's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Protocol

from bot.core.fleet import FleetView
from bot.errors import SyncAPIError
from bot.firestartr.models import Workspace
from bot.store import Store
from bot.times import utcnow

# The poller's last listing, kept in the store so a restarted fsync has a last known state.
FLEET_KEY = "fleet"
# How long a person waits for a live fleet listing before seeing the last known one instead.
FLEET_WAIT = 4.0


class Lister(Protocol):
    def list_workspaces(self) -> list[Workspace]: ...


class FleetCache:
    def __init__(
        self, client: Lister, store: Store, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.client, self.store, self.clock = client, store, clock
        self._fleet: FleetView | None = None
        self._lock = threading.Lock()
        self._fetcher = ThreadPoolExecutor(8, thread_name_prefix="fleet-fetch")
        self._listing: Future[list[Workspace]] | None = None  # the people's listing on its way

    def remember_fleet(
        self, workspaces: list[Workspace], fetched_at: datetime | None = None
    ) -> None:
        """Keep the latest listing (from a command or the poller) for when the API is down.

        `fetched_at` is when the listing was asked for: one asked for earlier that lands later
        (a slow request, or one sent before a write) does not replace a newer one. The poller's
        list is its own, changed in place by its next poll (bot/firestartr/cursor.py): it is kept
        as it is and copied when read (`cached`), once per question instead of once per poll.
        """
        view = FleetView(workspaces, fetched_at or self.clock(), live=True)
        with self._lock:
            if self._fleet is None or view.fetched_at >= self._fleet.fetched_at:
                self._fleet = view

    def cached(self) -> FleetView | None:
        with self._lock:
            kept = self._fleet
        if kept is not None:  # one copy, taken at once (the GIL holds through list()'s copy)
            return FleetView(list(kept.workspaces), kept.fetched_at, kept.live, kept.error)
        stored = self.store.facts.get(FLEET_KEY)
        if stored is None:
            return None
        items, at = stored
        return FleetView([Workspace.model_validate(item) for item in items], at, live=True)

    def _fetch(self) -> list[Workspace]:
        asked = self.clock()
        workspaces = self.client.list_workspaces()
        self.remember_fleet(workspaces, asked)
        return workspaces

    def join(self) -> Future[list[Workspace]]:
        """The listing already on its way for someone else, or a new one.

        Ten people asking for the status at once cost one request, not ten (benchmark 4: under
        load the listings of people who had already been shown the last known state went on
        spending the budget). A joined listing is at most one request's time older than the
        question; after a write through fsync, the next question starts a listing of its own.
        """
        with self._lock:
            if self._listing is None or self._listing.done():
                self._listing = self._fetcher.submit(self._fetch)
            return self._listing

    def forget_listing(self) -> None:
        """After a write: a listing sent before it may not show it, so nobody joins that one."""
        with self._lock:
            self._listing = None

    def fleet(self, *, wait: float = FLEET_WAIT) -> FleetView:
        """The fleet now; or, when the API fails or is slower than `wait` seconds and fsync has
        seen the fleet before, the last known state marked not live (the fetch goes on and
        refreshes the cache when it lands)."""
        future = self.join()
        try:
            workspaces = future.result(timeout=wait)
        except FutureTimeout:
            cached = self.cached()
            if cached is None:
                workspaces = future.result()  # nothing else to show: wait for the API after all
            else:
                return FleetView(
                    cached.workspaces, cached.fetched_at, live=False, error="it is slow to answer"
                )
        except SyncAPIError as exc:
            cached = self.cached()
            if cached is None:
                raise
            return FleetView(
                cached.workspaces, cached.fetched_at, live=False, error=exc.user_message
            )
        return FleetView(workspaces, self.clock(), live=True)

    def live_names(self, *, wait: float = FLEET_WAIT) -> list[str] | None:
        """Names from a live listing within `wait` seconds; None when none comes (slow, down)."""
        try:
            return [ws.name for ws in self.join().result(timeout=wait)]
        except (FutureTimeout, SyncAPIError):
            return None

    def names(self) -> list[str]:
        """Today's workspace names, best effort (the last known ones, or none, when the API
        does not answer): what a pattern is checked against."""
        try:
            view: FleetView | None = self.fleet()
        except SyncAPIError:
            view = self.cached()
        return [ws.name for ws in view.workspaces] if view else []
