"""The service layer: what fsync does, independent of Slack. Listeners call it; views render it.

Every write checks the caller's role first and lands in the audit log with its outcome, refusals
included, once. A write reaches the Sync API only after its audit row is written (bot.core.audit).
The fleet listing lives in bot.core.fleet_cache, the per-person sync limit in bot.core.throttle
and the config's compare-and-swap in bot.core.config_swap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.core import approvals, claims
from bot.core.audit import AuditTrail, Entry
from bot.core.authz import Policy, Role, RoleAction
from bot.core.changes import parse_changes
from bot.core.config_swap import ConfigChange, swap_config
from bot.core.fleet import FleetView
from bot.core.fleet_cache import FLEET_WAIT, FleetCache
from bot.core.throttle import SyncThrottle
from bot.errors import (
    Confirm,
    FsyncError,
    PermissionDenied,
    StoreUnavailable,
    SyncAPIError,
    WorkspaceNotFound,
)
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Config, Conflict, ResolveResult, Run, Workspace
from bot.firestartr.names import did_you_mean, suggest, validate_name
from bot.store import Store
from bot.times import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


class FsyncService:
    def __init__(
        self,
        client: SyncClient,
        store: Store,
        policy: Policy,
        clock: Callable[[], datetime] = utcnow,
        *,
        trail: AuditTrail | None = None,
        fleet_cache: FleetCache | None = None,
        throttle: SyncThrottle | None = None,
    ) -> None:
        """`fleet_cache`: the one the poller fills too (bot.wiring hands the same to both)."""
        self.client, self.store, self.policy, self.clock = client, store, policy, clock
        self.trail = trail or AuditTrail(store)
        self.fleet_cache = fleet_cache or FleetCache(client, store, clock)
        self.throttle = throttle or SyncThrottle()

    # --- reading --------------------------------------------------------------------------
    def role(self, user_id: str) -> Role:
        return self.policy.role_of(user_id)

    def cached_fleet(self) -> FleetView | None:
        return self.fleet_cache.cached()

    def fleet(self, *, wait: float = FLEET_WAIT) -> FleetView:
        """The fleet now, or the last known state marked not live (bot.core.fleet_cache)."""
        return self.fleet_cache.fleet(wait=wait)

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
        names = self.fleet_cache.live_names()
        if names is None:
            return name
        if name not in names:
            raise self.not_found(name, names)
        return name

    def fleet_names(self) -> list[str]:
        """Today's workspace names, best effort: what a pattern is checked against."""
        return self.fleet_cache.names()

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
        action: RoleAction,
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
        action: RoleAction,
        workspace: str | None,
        args: dict[str, Any],
        work: Callable[[Entry], T],
    ) -> T:
        """Run `work` as `user`'s `action`, audited: refusals, errors and outcomes alike.

        `work` calls `entry.before_send()` right before its request that changes something: that
        writes the intent row, or refuses the write (NotRecorded) when it cannot be written.
        """
        self.require(user, action, workspace, args)  # a refusal is recorded there, once
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
            self.fleet_cache.forget_listing()
        entry.finish("ok")
        return result

    def sync(self, user: str, name: str, *, confirmed: bool = False) -> Run | None:
        self.existing(name)  # a typo is not a protected workspace to confirm, nor an audit row

        def work(entry: Entry) -> Run | None:
            if self.policy.is_protected(name) and not confirmed:
                raise Confirm(
                    f"`{name}` is a protected workspace. Start a sync of it now?",
                    action=RoleAction.SYNC,
                    params={"workspace": name},
                )
            self.throttle.take(user)
            entry.before_send()
            return self.client.trigger_sync(name, requested_by=user)

        return self._write(user, RoleAction.SYNC, name, {"confirmed": confirmed}, work)

    def change_config(
        self, user: str, workspace: str | None, changes: dict[str, Any], *, confirmed: bool = False
    ) -> ConfigChange:
        """Apply `changes` (checked by bot.core.changes, whoever sent them) to the config."""
        if workspace is not None:
            self.existing(workspace)

        def work(entry: Entry) -> ConfigChange:
            clean = parse_changes(changes, workspace=workspace)
            return swap_config(
                self.client,
                workspace,
                clean,
                confirmed=confirmed,
                entry=entry,
                not_found=self.not_found,
            )

        args = {"changes": changes, "confirmed": confirmed}
        return self._write(user, RoleAction.CONFIG, workspace, args, work)

    def resolve(
        self, user: str, conflict_id: str, resolution: str, *, confirmed: bool = False
    ) -> ResolveResult:
        conflict = self.client.get_conflict(conflict_id)
        workspace = conflict.workspace or ""

        def work(entry: Entry) -> ResolveResult:
            claims.check_open(self.store, conflict)
            if self.policy.is_protected(workspace) and not confirmed:
                raise Confirm(
                    f"`{workspace}` is a protected workspace. Resolve its conflict with "
                    f"{resolution.replace('_', ' ')}?",
                    action=RoleAction.RESOLVE,
                    params={"conflict_id": conflict_id, "resolution": resolution},
                )
            entry.before_send()
            claims.claim(
                self.store, conflict_id, workspace=workspace, resolution=resolution, user=user
            )
            return claims.send_claimed(
                self.client, self.store, self.trail, user, conflict_id, resolution
            )

        return self._write(
            user,
            RoleAction.RESOLVE,
            workspace,
            {"conflict_id": conflict_id, "resolution": resolution},
            work,
        )

    def run(self, run_id: str) -> Run:
        return self.client.get_run(run_id)

    def decide(self, user: str, run_id: str, action: RoleAction, *, confirmed: bool = False) -> Run:
        """Approve or discard a plan waiting for a yes (the rules: bot.core.approvals)."""
        return approvals.decide(self, user, run_id, action, confirmed=confirmed)
