"""The poller: one fleet listing per interval -> diff -> router -> one transaction.

It polls only while it holds the lease. A tick reads the fleet with one request at the poller's
priority (people's commands go first on the shared rate limiter), plus the conflicts of workspaces
that entered a conflict; compares with the snapshot kept in memory (loaded from SQLite whenever
the lease is gained; when the listing was a changed_since answer, only the workspaces it names,
bot/alerts/quiet.py says when all are diffed anyway); and stores the changed snapshot rows, the
episodes, the outbox rows and the history (bot/alerts/history_repo.py: the runs are appended,
bot/alerts/upkeep.py folds them) in one transaction that also checks the lease. A crash before
that commit loses nothing (the next tick lists the whole fleet and sees the same change again);
after it, the change is never alerted twice.

A failed listing counts towards the `api` alert; a 429 only makes it wait longer. A tick that
crashes is logged and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from bot.alerts import approvals, conflicts, history_repo, outbox, repo, route_repo, router
from bot.alerts.api_health import ApiHealth, api_failed, api_ok
from bot.alerts.diff import Diff, diff, needs_conflicts, reminders
from bot.alerts.history_rows import RunSeen
from bot.alerts.lease import Lease
from bot.alerts.members import DigestMembers
from bot.alerts.model import Episode, Event, WorkspaceSnapshot
from bot.alerts.quiet import Quiet
from bot.alerts.render import Cards
from bot.alerts.runs_seen import runs_seen
from bot.alerts.upkeep import Upkeep
from bot.core import owners
from bot.core.authz import Policy
from bot.errors import RateLimited, SyncAPIError
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Workspace
from bot.firestartr.ratelimit import Priority
from bot.metrics import Metrics
from bot.store import Store
from bot.worker import Worker

log = logging.getLogger(__name__)
FLEET_EVERY = 60.0  # seconds between two copies of the fleet in the kv table
MAX_BACKOFF_FACTOR = 8


class LeaseLost(Exception):
    pass


class FleetCache(Protocol):
    """Where the poller leaves each listing, for commands to use when the API is down."""

    def remember_fleet(self, workspaces: list[Workspace], fetched_at: datetime | None) -> None: ...


class Poller(Worker):
    def __init__(
        self,
        client: SyncClient,
        store: Store,
        fleet_cache: FleetCache,
        lease: Lease,
        *,
        policy: Policy,
        cards: Cards,
        default_channel: str | None,
        clock: Callable[[], datetime],
        interval: float,
        on_queued: Callable[[], None],
        metrics: Metrics | None = None,
        history_days: int = 90,
    ) -> None:
        super().__init__("alerts-poller")
        self.client, self.store, self.fleet_cache, self.lease = client, store, fleet_cache, lease
        # What the router needs besides the stored routes and mutes.
        self.policy, self.cards, self.default_channel = policy, cards, default_channel
        self.clock, self.interval, self.on_queued = clock, interval, on_queued
        self.metrics = metrics or Metrics()
        self.history_keep = timedelta(days=history_days)  # FSYNC_HISTORY_DAYS
        self.upkeep = Upkeep(store, self.history_keep)
        self.outcome = "ok"  # how the last tick ended, for the metrics
        self.seen: dict[str, WorkspaceSnapshot] = {}
        self.open: dict[str, Episode] = {}
        self.members = DigestMembers()
        self.health = ApiHealth()
        self._generation, self._backoff = -1, 1
        self._fleet_saved = float("-inf")
        self._due = 0.0  # monotonic time of the next poll
        self._holding = threading.Lock()
        # The first listing after the snapshot is loaded (a start, a lease taken over) re-bases
        # it rather than calling runs fsync did not watch news (diff.py).
        self._rebase = True
        self.quiet = Quiet()
        self._stored = True  # the last listing's changes were stored (or it found none)
        self.polls = 0  # ticks completed (the demo waits for the first before its first command)

    # --- the thread (bot/worker.py runs it; stopping abandons a tick in flight uncommitted: the
    # next holder redoes it) -------------------------------------------------------------------
    def iteration(self) -> float:
        if not self.lease.held():
            return 0.2
        now = time.monotonic()
        if now < self._due and self._generation == self.lease.generation:
            return min(self._due - now, 0.5)  # short waits: a lease regained reloads at once
        started = time.monotonic()
        # A tick that crashes is logged by the worker loop; the next one waits an interval.
        delay, outcome = self.interval, "crashed"
        try:
            with self._holding:
                delay = self.tick()
            self.polls += 1
            outcome = self.outcome
        except LeaseLost:
            log.info("alerts lease lost during a poll; its changes were not stored")
            delay, outcome = 0.0, "lease_lost"
        finally:
            self.metrics.poll(outcome, time.monotonic() - started)
            self._due = time.monotonic() + delay
        return 0.0

    @contextmanager
    def held(self) -> Iterator[None]:
        """No poll while inside: changes made meanwhile are all seen by one poll (the demo's
        `sim storm` fails many workspaces at once, as a storm does)."""
        with self._holding:
            yield

    # --- one tick --------------------------------------------------------------------------------
    def load(self) -> None:
        generation = self.lease.generation
        db = self.store.db
        # The stored snapshot's routine rows are behind until the runs that moved them are
        # folded (repo.routine): fold first, so it is what the last holder saw.
        self.upkeep.fold()
        self.seen = repo.load_snapshot(db)
        self.open = repo.open_episodes(db)
        self.members.reset()
        self.health = repo.load_health(db, self.open)
        self._generation = generation
        self._rebase = True

    def tick(self) -> float:
        """Poll once; returns the seconds until the next poll."""
        if self._generation != self.lease.generation:
            self.load()
        now = self.clock()
        client = self.client
        self.outcome = "ok"
        # After a tick that listed but did not store (it crashed), the client's tag and cursor
        # are ahead of the snapshot: only a whole listing shows what that tick lost.
        full = self.quiet.want_full(now) or not self._stored
        try:
            workspaces = client.list_workspaces(priority=Priority.POLLER, full=full)
        except RateLimited as exc:
            self._backoff = min(MAX_BACKOFF_FACTOR, self._backoff * 2)
            self.outcome = "rate_limited"
            log.info("Sync API rate limit: polling every %d intervals", self._backoff)
            return max(self.interval * self._backoff, exc.retry_after or 0.0)
        except SyncAPIError as exc:
            health, event = api_failed(self.health, now, exc.user_message)
            log.warning("poll failed (%d in a row): %s", health.failures, exc.user_message)
            self.outcome = "failed"
            self._commit(Diff(), [event] if event else [], health, now, polled=False)
            return self.interval
        self._backoff = 1
        self._stored = False
        self.fleet_cache.remember_fleet(workspaces, now)
        # A 304: the snapshot already is this listing; only the API's health can have changed.
        unchanged = self.quiet.skip(client.last_unchanged and not self._rebase, now)
        # A changed_since answer: only its workspaces can differ from the snapshot, unless a
        # stall is due by the clock (then all are diffed, as after a 304).
        some = client.last_changes
        if some is not None and (self._rebase or self.quiet.stall_due(now)):
            some = None
        diffed = [] if unchanged else workspaces if some is None else some.workspaces
        if not unchanged:
            self._save_fleet(workspaces)
            if some is None:
                self.quiet.diffed(workspaces, now, full=full)
            else:
                self.quiet.diffed_some(diffed, now)
        changes = Diff()
        if not unchanged:
            changes = self._diff(diffed, now, None if some is None else some.removed)
        health, back = api_ok(self.health, now)
        events = list(changes.events)
        if back is not None:
            changes.episodes[back.episode.id] = back.episode
            events.append(back)
        runs = runs_seen(self.seen, diffed, changes.seen, now) if diffed else []
        self._commit(changes, events, health, now, polled=True, runs=runs)
        self._rebase = False
        self._stored = True
        self.upkeep.after_tick(now)
        return self.interval

    def _diff(
        self, workspaces: list[Workspace], now: datetime, removed: frozenset[str] | None
    ) -> Diff:
        found = conflicts.open_by_workspace(self.client, needs_conflicts(self.seen, workspaces))
        waiting = approvals.waiting_runs(self.client, approvals.needs_runs(self.seen, workspaces))
        changes = diff(
            self.seen,
            self.open,
            workspaces,
            now,
            found,
            rebase=self._rebase,
            waiting=waiting,
            removed=removed,
        )
        conflicts.note_decisions(self.client, self.store, changes)
        return changes

    def _commit(
        self,
        changes: Diff,
        events: list[Event],
        health: ApiHealth,
        now: datetime,
        *,
        polled: bool,
        runs: list[RunSeen] | None = None,
    ) -> None:
        store = self.store
        if health.episode is not None and health.episode.id not in self.open:
            changes.episodes[health.episode.id] = health.episode
        db = store.db
        mutes = route_repo.mutes(db)
        active = [m for m in mutes if m.until > now]
        # Reminders need a fresh listing: only then is "still failing" known.
        ended = [m for m in mutes if m.until <= now and not m.reminded] if polled else []
        if ended:
            after = {**self.open, **changes.episodes}
            events += reminders(ended, active, after.values(), now)
        routing = router.RoutingContext(
            routes=route_repo.routes(db, self.default_channel),
            mutes=active,
            # The default channel is only ever held, never off: its alerts queue while it is gone.
            disabled=frozenset(route_repo.disabled_channels(db)) - {self.default_channel},
            links=repo.links(db, (e.episode.id for e in events)),
            members=lambda card: self.members.of(db, card, self.open, changes.episodes),
            policy=self.policy,
            cards=self.cards,
            now=now,
            resolutions=conflicts.claimed_decisions(store, events),
            owners=owners.lookup(db),
        )
        plan = router.plan(events, routing)
        changed = changes.seen or changes.removed or changes.episodes or events or ended
        if not changed and health == self.health:
            return
        with store.transaction() as tx:
            if not self.lease.check(tx):
                raise LeaseLost()
            repo.save_tick(
                tx,
                seen=changes.seen,
                removed=changes.removed,
                episodes=changes.episodes.values(),
                cards=plan.cards,
                health=health,
                reminded=ended,
                before=self.seen,
            )
            outbox.enqueue(tx, plan.deliveries)
            history_repo.record(tx, runs or [], changes.episodes.values(), defer=True)
        self.members.committed(changes.episodes.values())
        self.seen.update(changes.seen)
        for name in changes.removed:
            self.seen.pop(name, None)
        for episode in changes.episodes.values():
            if episode.closed_at is None:
                self.open[episode.id] = episode
            else:
                self.open.pop(episode.id, None)
        self.health = health
        if events:
            log.info("alerts: %d events, %d deliveries queued", len(events), len(plan.deliveries))
        if any(d.state == "pending" for d in plan.deliveries):
            self.on_queued()

    def _save_fleet(self, workspaces: list[Workspace]) -> None:
        """A copy for commands when the API is down, at most once a minute (it is not cheap)."""
        if time.monotonic() - self._fleet_saved < FLEET_EVERY:
            return
        self._fleet_saved = time.monotonic()
        self.store.facts.put_json("fleet", Workspace.listing_json(workspaces))
