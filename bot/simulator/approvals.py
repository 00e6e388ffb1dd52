"""[ASSUMED] Plans that wait for a yes (docs/firestartr-sync-api.md, "Plans that wait for a yes").

A sync of an `auto_apply: false` workspace whose plan has changes stops at `awaiting_approval`
with its plan; `approve` applies it (running, then succeeded), `discard` ends it, and a plan left
waiting longer than the approval timeout ends as `expired`. A workspace with `auto_apply: true`
applies its changes at once. Functions marked "lock held" are called by the engine.
"""

from __future__ import annotations

import random
import time
from typing import Any, Protocol

from bot.simulator.errors import ApiError
from bot.simulator.model import RunState, WorkspaceState
from bot.simulator.state import Store


class Options(Protocol):
    @property
    def plan_rate(self) -> float: ...

    @property
    def approval_timeout(self) -> float: ...


class Engine(Protocol):
    """What these rules use of bot/simulator/engine.py's Engine (which calls them)."""

    store: Store
    plan_rng: random.Random
    plan_seq: int

    @property
    def options(self) -> Options: ...

    def settle(self, ws: WorkspaceState, now: float) -> None: ...


# What Terraform would plan for a typical service workspace, by action.
CREATES = (
    "aws_cloudwatch_log_group.app",
    "aws_iam_role_policy.task_s3_read",
    "aws_sqs_queue.events_dlq",
    "aws_route53_record.api_v2",
    "aws_s3_bucket_lifecycle_configuration.logs",
)
UPDATES = (
    "aws_ecs_service.api",
    "aws_security_group.app",
    "aws_autoscaling_group.workers",
    "aws_lambda_function.ingest",
)
DELETES = (
    "aws_instance.bastion",
    "aws_iam_access_key.legacy_ci",
    "module.old_vpc.aws_nat_gateway.this[0]",
)
# The plans of natural (not forced) runs, in turn: mostly small, sometimes with a destroy.
USUAL_PLANS = ((2, 1, 0), (0, 3, 0), (1, 1, 1), (4, 0, 0), (0, 1, 2))
MAX_RESOURCES = 500  # a plan of thousands lists the first ones, as a UI would
WAITING = "awaiting_approval"
EXPIRED = "The plan expired: nobody approved or discarded it in time."


def _addresses(names: tuple[str, ...], n: int) -> list[str]:
    rounds = (n + len(names) - 1) // len(names)
    if rounds <= 1:
        return list(names[:n])
    return [f"{name}[{i}]" for i in range(rounds) for name in names][:n]


def make_plan(add: int, change: int, destroy: int) -> dict[str, Any]:
    resources = [
        {"address": address, "action": action}
        for action, names, n in (("create", CREATES, add), ("update", UPDATES, change))
        for address in _addresses(names, n)
    ]
    resources += [{"address": a, "action": "delete"} for a in _addresses(DELETES, destroy)]
    counts = {"add": add, "change": change, "destroy": destroy}
    return {**counts, "resources": resources[:MAX_RESOURCES]}


def has_changes(engine: Engine, ws: WorkspaceState) -> bool:
    """Whether a natural run of `ws` plans changes that wait (lock held). Its own RNG: turning
    plans on never changes which runs fail."""
    rate = engine.options.plan_rate
    return not ws.auto_apply and rate > 0 and engine.plan_rng.random() < rate


def changes_found(engine: Engine, ws: WorkspaceState, run: RunState, now: float) -> None:
    """The plan has changes (lock held): applied at once with auto_apply, else it waits."""
    forced = ws.next_plan or {}
    ws.next_plan = None
    engine.plan_seq += 1
    usual = USUAL_PLANS[engine.plan_seq % len(USUAL_PLANS)]
    counts = [int(forced.get(key, usual[n])) for n, key in enumerate(("add", "change", "destroy"))]
    run.plan = make_plan(*counts)
    ws.last_sync = now
    if ws.auto_apply:
        run.status, run.finished_at = "succeeded", now
        run.message = applied_message(run.plan)
        ws.current_run_id = None
        ws.status, ws.message = "success", None
        engine.settle(ws, now)
        return
    timeout = forced.get("expires_in") or engine.options.approval_timeout
    run.status, run.finished_at, run.expires_at = WAITING, None, now + timeout
    add, change, destroy = counts
    run.message = f"Plan: {add} to add, {change} to change, {destroy} to destroy."
    engine.store.waiting[run.id] = run
    ws.status, ws.message = WAITING, run.message
    # A plan that waits holds the workspace: no scheduled sync until it is decided.
    engine.store.schedule(ws, None)


def applied_message(plan: dict[str, Any]) -> str:
    return (
        f"Apply complete! Resources: {plan['add']} added, {plan['change']} changed, "
        f"{plan['destroy']} destroyed."
    )


def apply_done(engine: Engine, ws: WorkspaceState, run: RunState, now: float) -> None:
    """An approved plan finished applying (lock held)."""
    run.status, run.finished_at = "succeeded", now
    run.message = applied_message(run.plan or {"add": 0, "change": 0, "destroy": 0})
    ws.current_run_id, ws.last_sync = None, now
    ws.status, ws.message = "success", None
    engine.settle(ws, now)


def decide(engine: Engine, run_id: str, verb: str, by: str) -> dict[str, Any]:
    """POST .../runs/{id}/approve or /discard: 409 once the run no longer waits."""
    store = engine.store
    with store.lock:
        run = store.runs.get(run_id)
        if run is None:
            raise ApiError(404, "run_not_found", f"Run '{run_id}' does not exist")
        if run.status != WAITING:
            raise ApiError(
                409,
                "run_not_awaiting_approval",
                f"Run '{run_id}' is {run.status}, not awaiting approval",
                run=run.wire(),
            )
        now = time.time()
        store.waiting.pop(run.id, None)
        run.decided_by, run.decided_at = by, now
        if verb == "approve":
            run.status, run.applying_since = "running", now
            store.active[run.id] = run
            ws = store.workspaces.get(run.workspace)
            if ws is not None:
                ws.status, ws.message = "running", None
                store.touch(ws)
        else:
            end(engine, run, "discarded", f"Plan discarded by {by}", now)
        return run.wire()


def end(engine: Engine, run: RunState, status: str, message: str, now: float) -> None:
    """A plan that will not be applied (lock held): the workspace is as before the run."""
    engine.store.waiting.pop(run.id, None)
    run.status, run.finished_at, run.message = status, now, message
    ws = engine.store.workspaces.get(run.workspace)
    if ws is not None and ws.current_run_id == run.id:
        ws.current_run_id = None
        ws.status, ws.message = ws.before_conflict
        engine.settle(ws, now)


def expire_due(engine: Engine, now: float) -> None:
    """Plans left waiting past their timeout (lock held)."""
    for run in [r for r in engine.store.waiting.values() if now >= (r.expires_at or now)]:
        end(engine, run, "expired", EXPIRED, now)
