"""Approving or discarding a plan that waits for a yes ([ASSUMED], docs/firestartr-sync-api.md).

The rules of a click on Approve or Discard, re-checked on every click: the role as for a sync
(operator, admin on a protected workspace, which also asks for confirmation), the four-eyes rule
(FSYNC_FOUR_EYES: the run's requester may not approve its plan), and "too late" said before
anything is sent. The run, its workspace and its requester come from the Sync API, never from
the button. Audited like every write: the intent row before the request (bot.core.service).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from bot.core.audit import AuditTrail, Entry
from bot.core.authz import Policy, Role, RoleAction
from bot.errors import Confirm, PermissionDenied
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from bot.firestartr.refusals import approval_too_late

T = TypeVar("T")


class Service(Protocol):
    """What this uses of bot.core.service.FsyncService (which calls it)."""

    client: SyncClient
    policy: Policy
    trail: AuditTrail

    def require(
        self, user: str, action: RoleAction, workspace: str | None = None, args: Any = None
    ) -> Role: ...

    def _write(
        self,
        user: str,
        action: RoleAction,
        workspace: str | None,
        args: dict[str, Any],
        work: Callable[[Entry], T],
    ) -> T: ...


VERBS = {RoleAction.APPROVE: "Apply", RoleAction.DISCARD: "Discard"}


def decide(service: Service, user: str, run_id: str, action: RoleAction, *, confirmed: bool) -> Run:
    run = service.client.get_run(run_id)
    workspace = run.workspace or ""
    args = {"run_id": run_id, "confirmed": confirmed}
    service.require(user, action, workspace, args)
    if action is RoleAction.APPROVE:
        try:
            service.policy.check_four_eyes(user, workspace, run.requested_by)
        except PermissionDenied as exc:
            service.trail.refused(user, action, workspace, args, exc.user_message)
            raise

    def work(entry: Entry) -> Run:
        if not run.awaiting_approval:
            raise approval_too_late(run.model_dump(mode="json"))
        if service.policy.is_protected(workspace) and not confirmed:
            verb = VERBS[action]
            raise Confirm(
                f"`{workspace}` is a protected workspace. {verb} the plan of run `{run_id}`?",
                action=action,
                params={"run_id": run_id, "workspace": workspace},
                yes=f"{verb} plan",
            )
        entry.before_send()
        send = (
            service.client.approve_run
            if action is RoleAction.APPROVE
            else service.client.discard_run
        )
        # One key per person and run: a second click (or Slack's retry) is answered, not redone.
        return send(run_id, requested_by=user, idempotency_key=f"fsync-{action}-{run_id}-{user}")

    return service._write(user, action, workspace, args, work)
