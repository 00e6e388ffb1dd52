"""The service layer: what fsync does, independent of Slack. Listeners call it; views render it.

Every write checks the caller's role first and lands in the audit log with its outcome, refusals
included. A write reaches the Sync API only after its audit row is written (bot.core.audit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.core.audit import AuditTrail, Entry
from bot.core.authz import Policy, Role
from bot.core.changes import apply_changes, confirmation, parse_changes
from bot.core.fleet import FleetView
from bot.core.words import plural
from bot.errors import (
    ConfigVersionMismatch,
    ConfirmationRequired,
    ConflictAlreadyResolved,
    FsyncError,
    NotRecorded,
    PermissionDenied,
    RateLimited,
    StoreUnavailable,
    SyncAPIError,
    WorkspaceNotFound,
)
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Config, Conflict, ResolveResult, Run, Workspace
from bot.firestartr.names import did_you_mean, suggest, validate_name
from bot.store import Store, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
FLEET_KEY = "fleet"
SYNCS_PER_USER_PER_MINUTE = 5
# How long a person waits for a live fleet listing before seeing the last known one instead.
FLEET_WAIT = 4.0


@dataclass(frozen=True)
class ConfigChange:
    workspace: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    config: Config


class Confirm(ConfirmationRequired):
    """A protected action: the Slack layer shows a confirmation dialog, then calls again."""

    def __init__(
        self, user_message: str, *, action: str, params: dict[str, Any], yes: str | None = None
    ) -> None:
        super().__init__(user_message)
        self.action = action
        self.params = params
        self.yes = yes  # the confirm button's label, when the action's usual one does not fit


class AlreadyResolved(FsyncError):
    def __init__(
        self, user_message: str, *, conflict_id: str, by: str | None, resolution: str | None
    ) -> None:
        super().__init__(user_message)
        self.conflict_id, self.by, self.resolution = conflict_id, by, resolution


class FsyncService:
    def __init__(
        self,
        client: SyncClient,
        store: Store,
        policy: Policy,
        clock: Callable[[], datetime] = utcnow,
        *,
        trail: AuditTrail | None = None,
    ) -> None:
        self.client, self.store, self.policy, self.clock = client, store, policy, clock
        self.trail = trail or AuditTrail(store)
        self._fleet: FleetView | None = None
        self._fleet_lock = threading.Lock()
        self._sync_times: dict[str, deque[float]] = defaultdict(deque)
        self._fetcher = ThreadPoolExecutor(8, thread_name_prefix="fleet-fetch")
        self._listing: Future[list[Workspace]] | None = None  # the people's listing on its way

    # --- reading --------------------------------------------------------------------------
    def role(self, user_id: str) -> Role:
        return self.policy.role_of(user_id)

    def remember_fleet(
        self, workspaces: list[Workspace], fetched_at: datetime | None = None
    ) -> None:
        """Keep the latest listing (from a command or the poller) for when the API is down.

        `fetched_at` is when the listing was asked for: one asked for earlier that lands later
        (a slow request, or one sent before a write) does not replace a newer one.
        """
        view = FleetView(workspaces, fetched_at or self.clock(), live=True)
        with self._fleet_lock:
            if self._fleet is None or view.fetched_at >= self._fleet.fetched_at:
                self._fleet = view

    def cached_fleet(self) -> FleetView | None:
        with self._fleet_lock:
            if self._fleet is not None:
                return self._fleet
        stored = self.store.get(FLEET_KEY)
        if stored is None:
            return None
        items, at = stored
        return FleetView([Workspace.model_validate(item) for item in items], at, live=True)

    def _fetch_fleet(self) -> list[Workspace]:
        asked = self.clock()
        workspaces = self.client.list_workspaces()
        self.remember_fleet(workspaces, asked)
        return workspaces

    def _join_listing(self) -> Future[list[Workspace]]:
        """The listing already on its way for someone else, or a new one.

        Ten people asking for the status at once cost one request, not ten (benchmark 4: under
        load the listings of people who had already been shown the last known state went on
        spending the budget). A joined listing is at most one request's time older than the
        question; after a write through fsync, the next question starts a listing of its own.
        """
        with self._fleet_lock:
            if self._listing is None or self._listing.done():
                self._listing = self._fetcher.submit(self._fetch_fleet)
            return self._listing

    def fleet(self, *, wait: float = FLEET_WAIT) -> FleetView:
        """The fleet now; or, when the API fails or is slower than `wait` seconds and fsync has
        seen the fleet before, the last known state marked not live (the fetch goes on and
        refreshes the cache when it lands)."""
        future = self._join_listing()
        try:
            workspaces = future.result(timeout=wait)
        except FutureTimeout:
            cached = self.cached_fleet()
            if cached is None:
                workspaces = future.result()  # nothing else to show: wait for the API after all
            else:
                return FleetView(
                    cached.workspaces, cached.fetched_at, live=False, error="it is slow to answer"
                )
        except SyncAPIError as exc:
            cached = self.cached_fleet()
            if cached is None:
                raise
            return FleetView(
                cached.workspaces, cached.fetched_at, live=False, error=exc.user_message
            )
        return FleetView(workspaces, self.clock(), live=True)

    def workspace(self, name: str) -> tuple[Workspace, FleetView, list[Conflict] | None]:
        """The workspace, the listing it came from, and its open conflicts: None when they could
        not be read (the detail is still worth showing; the view says the conflicts are missing)."""
        validate_name(name)
        view = self.fleet()
        ws = view.find(name)
        if ws is None:
            raise self.not_found(name, [w.name for w in view.workspaces])
        conflicts: list[Conflict] | None = []
        if view.live and (ws.open_conflicts or ws.status == "conflict"):
            try:
                conflicts = self.client.list_conflicts(workspace=name, status="open")
            except SyncAPIError as exc:
                log.info("conflicts of %s not readable: %s", name, exc.user_message)
                conflicts = None
        return ws, view, conflicts

    def not_found(self, name: str, known: list[str]) -> WorkspaceNotFound:
        hint = did_you_mean(name, known)
        near = suggest(name, known)
        return WorkspaceNotFound(f"No workspace named `{name}`.{hint}", name=name, known=near)

    def existing(self, name: str) -> str:
        """`name`, or WorkspaceNotFound with the nearest names, before anything is asked,
        confirmed or recorded about it.

        A name in the last listing is taken as it is (the Sync API has the last word on the
        request itself); any other is looked up in a live one. When no live listing comes
        within FLEET_WAIT (the API slow or down), the Sync API decides.
        """
        validate_name(name)
        cached = self.cached_fleet()
        if cached is not None and cached.find(name) is not None:
            return name
        try:
            names = [ws.name for ws in self._join_listing().result(timeout=FLEET_WAIT)]
        except (FutureTimeout, SyncAPIError):
            return name
        if name not in names:
            raise self.not_found(name, names)
        return name

    def fleet_names(self) -> list[str]:
        """Today's workspace names, best effort (the last known ones, or none, when the API
        does not answer): what a pattern is checked against."""
        try:
            view: FleetView | None = self.fleet()
        except SyncAPIError:
            view = self.cached_fleet()
        return [ws.name for ws in view.workspaces] if view else []

    def conflicts(self, workspace: str | None = None) -> list[Conflict]:
        if workspace is not None:
            self.existing(workspace)
        return self.client.list_conflicts(workspace=workspace, status="open")

    def conflict(self, conflict_id: str) -> Conflict:
        return self.client.get_conflict(conflict_id)

    def config(self) -> Config:
        return self.client.get_config()[0]

    def workspace_config(self, name: str) -> tuple[Config, str]:
        """The config, and the name of the workspace in it (refused with the nearest ones)."""
        validate_name(name)
        config = self.config()
        if name not in config.workspaces:
            raise self.not_found(name, list(config.workspaces))
        return config, name

    def audit(self, workspace: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        entries = self.store.audit_entries(workspace=workspace, limit=limit)
        if workspace is not None and not entries:
            self.existing(workspace)  # a workspace gone keeps its history; a typo is said
        return entries

    # --- writing --------------------------------------------------------------------------
    def require(
        self,
        user: str,
        action: str,
        workspace: str | None = None,
        args: dict[str, Any] | None = None,
        *,
        fleet: list[str] | None = None,
    ) -> Role:
        """The user's role if it allows `action`; a refusal is audited (with `args`, what was
        asked, so the audit log can say it) and raised. `fleet`: today's names, for an action
        on a pattern (a mute reaching every workspace)."""
        try:
            return self.policy.check(user, action, workspace, fleet or ())
        except PermissionDenied as exc:
            self.trail.refused(user, action, workspace, args or {}, exc.user_message)
            raise

    def _write(
        self,
        user: str,
        action: str,
        workspace: str | None,
        args: dict[str, Any],
        work: Callable[[Entry], T],
    ) -> T:
        """Run `work` as `user`'s `action`, audited: refusals, errors and outcomes alike.

        `work` calls `entry.before_send()` right before its request that changes something: that
        writes the intent row, or refuses the write (NotRecorded) when it cannot be written.
        """
        try:
            self.policy.check(user, action, workspace)
        except PermissionDenied as exc:
            self.trail.refused(user, action, workspace, args, exc.user_message)
            raise
        entry = self.trail.entry(user, action, workspace, args)
        try:
            result = work(entry)
        except Confirm as exc:
            if entry.row is not None:  # asked only after a first attempt met a changed config
                entry.finish("error", exc.user_message)
            raise  # nothing done: the person is asked first
        except FsyncError as exc:
            entry.finish("error", exc.user_message, store_failed=isinstance(exc, StoreUnavailable))
            raise
        except BaseException:
            entry.finish("error", "fsync failed unexpectedly; the details are in its log")
            raise
        finally:  # even a failed write may have reached the API
            with self._fleet_lock:
                self._listing = None  # a listing sent before this write may not show it
        entry.finish("ok")
        return result

    def sync(self, user: str, name: str, *, confirmed: bool = False) -> Run | None:
        self.existing(name)  # a typo is not a protected workspace to confirm, nor an audit row

        def work(entry: Entry) -> Run | None:
            if self.policy.is_protected(name) and not confirmed:
                raise Confirm(
                    f"`{name}` is a protected workspace. Start a sync of it now?",
                    action="sync",
                    params={"workspace": name},
                )
            self._throttle(user)
            entry.before_send()
            return self.client.trigger_sync(name, requested_by=user)

        return self._write(user, "sync", name, {"confirmed": confirmed}, work)

    def _throttle(self, user: str) -> None:
        now = time.monotonic()
        with self._fleet_lock:
            times = self._sync_times[user]
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) >= SYNCS_PER_USER_PER_MINUTE:
                wait = int(60 - (now - times[0])) + 1
                raise RateLimited(
                    f"You have started {plural(len(times), 'sync')} in the last minute. "
                    f"Try again in {wait}s.",
                    retry_after=wait,
                )
            times.append(now)

    def change_config(
        self, user: str, workspace: str | None, changes: dict[str, Any], *, confirmed: bool = False
    ) -> ConfigChange:
        """Apply `changes` (checked by bot.core.changes, whoever sent them) to the config."""
        if workspace is not None:
            self.existing(workspace)

        def work(entry: Entry) -> ConfigChange:
            clean = parse_changes(changes, workspace=workspace)
            for attempt in range(3):
                config, etag = self.client.get_config()
                before_cfg = config.model_copy(deep=True)
                if workspace is not None and workspace not in config.workspaces:
                    raise self.not_found(workspace, list(config.workspaces))
                ask = None if confirmed else confirmation(config, workspace, clean)
                if ask is not None:
                    raise Confirm(
                        ask[0],
                        action="config",
                        params={"workspace": workspace, "changes": clean},
                        yes=ask[1],
                    )
                before, after = apply_changes(config, workspace, clean)
                # What the audit log shows: "auto-apply off → on", or "no change".
                entry.args.update(before=before, after=after)
                if config == before_cfg:
                    return ConfigChange(workspace, before, after, config)
                entry.before_send()
                try:
                    stored = self.client.put_config(config, etag=etag)
                except ConfigVersionMismatch:
                    if attempt == 2:
                        raise ConfigVersionMismatch(
                            "Someone else changed the config at the same time, three times in a "
                            "row. Look at `/fsync config` and try again."
                        ) from None
                    continue
                return ConfigChange(workspace, before, after, stored)
            raise AssertionError("unreachable")

        args = {"changes": changes, "confirmed": confirmed}
        return self._write(user, "config", workspace, args, work)

    def resolve(
        self, user: str, conflict_id: str, resolution: str, *, confirmed: bool = False
    ) -> ResolveResult:
        conflict = self.client.get_conflict(conflict_id)
        workspace = conflict.workspace or ""

        def work(entry: Entry) -> ResolveResult:
            claim = self.store.resolution(conflict_id)
            if claim is not None or not conflict.is_open:
                by = claim["user_id"] if claim else conflict.resolved_by
                res = claim["resolution"] if claim else conflict.resolution
                raise AlreadyResolved(
                    "That conflict is already resolved.",
                    conflict_id=conflict_id,
                    by=by,
                    resolution=res,
                )
            if self.policy.is_protected(workspace) and not confirmed:
                raise Confirm(
                    f"`{workspace}` is a protected workspace. Resolve its conflict with "
                    f"{resolution.replace('_', ' ')}?",
                    action="resolve",
                    params={"conflict_id": conflict_id, "resolution": resolution},
                )
            entry.before_send()
            try:
                existing = self.store.claim_resolution(
                    conflict_id, workspace=workspace, resolution=resolution, user_id=user
                )
            except StoreUnavailable as exc:
                raise NotRecorded(exc.reason) from exc
            if existing is not None:
                raise AlreadyResolved(
                    "That conflict is already resolved.",
                    conflict_id=conflict_id,
                    by=existing["user_id"],
                    resolution=existing["resolution"],
                )
            return self._send_resolution(user, conflict_id, resolution)

        return self._write(
            user, "resolve", workspace, {"conflict_id": conflict_id, "resolution": resolution}, work
        )

    def _send_resolution(self, user: str, conflict_id: str, resolution: str) -> ResolveResult:
        """Send a claimed resolution; the claim follows the answer (now, or when it can)."""
        try:
            # One key per conflict: a retried or doubled request is a replay, not a second act.
            result = self.client.resolve_conflict(
                conflict_id,
                resolution,
                resolved_by=user,
                idempotency_key=f"resolve-{conflict_id}",
            )
        except ConflictAlreadyResolved as exc:
            other = exc.conflict or {}
            self.trail.later(
                f"resolution claim {conflict_id}",
                lambda: self.store.finish_resolution(
                    conflict_id,
                    user_id=str(other.get("resolved_by")),
                    resolution=str(other.get("resolution")),
                ),
            )
            raise AlreadyResolved(
                "That conflict is already resolved.",
                conflict_id=conflict_id,
                by=other.get("resolved_by"),
                resolution=other.get("resolution"),
            ) from exc
        except BaseException:
            self.trail.later(
                f"resolution claim {conflict_id}",
                lambda: self.store.release_resolution(conflict_id),
            )
            raise
        self.trail.later(
            f"resolution claim {conflict_id}", lambda: self.store.finish_resolution(conflict_id)
        )
        return result
