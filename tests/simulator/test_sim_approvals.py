"""[ASSUMED] Plans that wait for a yes, on a simulator whose runs take 0.3 s: a plan with changes
on an `auto_apply: false` workspace waits; approve applies it, discard ends it, a decision that
comes too late is a 409, and a plan nobody decides expires."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulator.helpers import V1, error_of, workspace
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


def add(fast: SimProcess, name: str, **fields: Any) -> None:
    fast.control("POST", "/_sim/workspaces", json={"name": name, **fields}).raise_for_status()


def run_in(api: httpx.Client, run_id: str, *statuses: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        run = api.get(f"{V1}/runs/{run_id}").json()
        return run if run["status"] in statuses else None

    return wait_until(probe, what=f"run {run_id} in {statuses}")


def waiting_plan(fast: SimProcess, name: str = "app", **plan: Any) -> dict[str, Any]:
    add(fast, name, sync_interval="1m")
    forced = {"outcome": "changes", "add": 2, "change": 1, "destroy": 0, **plan}
    answer = fast.control("POST", f"/_sim/workspaces/{name}/next_outcome", json=forced)
    assert answer.status_code == 200, answer.text
    run = fast.api.post(f"{V1}/workspaces/{name}/sync", json={"requested_by": "U1"}).json()
    return run_in(fast.api, run["id"], "awaiting_approval")


def test_a_plan_with_changes_waits_with_its_plan(fast: SimProcess) -> None:
    run = waiting_plan(fast)
    plan = run["plan"]
    assert (plan["add"], plan["change"], plan["destroy"]) == (2, 1, 0)
    actions = [r["action"] for r in plan["resources"]]
    assert actions == ["create", "create", "update"]
    assert all(r["address"].startswith("aws_") for r in plan["resources"])
    assert run["finished_at"] is None and run["expires_at"] and run["decided_by"] is None
    assert run["message"] == "Plan: 2 to add, 1 to change, 0 to destroy."
    ws = workspace(fast.api, "app")
    assert (ws["status"], ws["current_run_id"]) == ("awaiting_approval", run["id"])
    # The workspace is held: another sync is refused while the plan waits.
    again = fast.api.post(f"{V1}/workspaces/app/sync")
    assert again.status_code == 409 and error_of(again) == "sync_in_progress"


def test_approve_applies_the_plan(fast: SimProcess) -> None:
    run = waiting_plan(fast, destroy=1)
    answer = fast.api.post(
        f"{V1}/runs/{run['id']}/approve",
        json={"approved_by": "U2"},
        headers={"Idempotency-Key": "approve-1"},
    )
    assert answer.status_code == 202
    assert answer.json()["status"] == "running" and answer.json()["decided_by"] == "U2"
    done = run_in(fast.api, run["id"], "succeeded")
    assert done["message"] == "Apply complete! Resources: 2 added, 1 changed, 1 destroyed."
    assert done["finished_at"] and done["decided_at"]
    ws = workspace(fast.api, "app")
    assert (ws["status"], ws["current_run_id"]) == ("success", None)
    # The same key replays the first answer; a new one is too late.
    replay = fast.api.post(
        f"{V1}/runs/{run['id']}/approve", headers={"Idempotency-Key": "approve-1"}
    )
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    late = fast.api.post(f"{V1}/runs/{run['id']}/approve")
    assert late.status_code == 409 and error_of(late) == "run_not_awaiting_approval"
    assert late.json()["run"]["status"] == "succeeded"


def test_discard_ends_the_run_and_frees_the_workspace(fast: SimProcess) -> None:
    run = waiting_plan(fast)
    answer = fast.api.post(f"{V1}/runs/{run['id']}/discard", json={"discarded_by": "U3"})
    assert answer.status_code == 202
    body = answer.json()
    assert (body["status"], body["decided_by"]) == ("discarded", "U3")
    assert body["finished_at"] and body["message"] == "Plan discarded by U3"
    ws = workspace(fast.api, "app")
    assert ws["current_run_id"] is None and ws["status"] != "awaiting_approval"
    late = fast.api.post(f"{V1}/runs/{run['id']}/approve")
    assert late.status_code == 409 and "discarded" in late.json()["message"]
    assert fast.api.post(f"{V1}/workspaces/app/sync").status_code == 202


def test_a_plan_nobody_decides_expires(fast: SimProcess) -> None:
    run = waiting_plan(fast, expires_in="1s")
    expired = run_in(fast.api, run["id"], "expired")
    assert expired["finished_at"] and "expired" in expired["message"]
    assert workspace(fast.api, "app")["current_run_id"] is None
    late = fast.api.post(f"{V1}/runs/{run['id']}/discard")
    assert late.status_code == 409 and error_of(late) == "run_not_awaiting_approval"


def test_auto_apply_applies_changes_at_once(fast: SimProcess) -> None:
    add(fast, "auto", sync_interval="1m", auto_apply=True)
    fast.control("POST", "/_sim/workspaces/auto/next_outcome", json={"outcome": "changes"})
    run = fast.api.post(f"{V1}/workspaces/auto/sync").json()
    done = run_in(fast.api, run["id"], "succeeded", "awaiting_approval")
    assert done["status"] == "succeeded" and done["decided_by"] is None
    plan = done["plan"]
    assert done["message"] == (
        f"Apply complete! Resources: {plan['add']} added, {plan['change']} changed, "
        f"{plan['destroy']} destroyed."
    )


def test_deciding_an_unknown_run_or_a_plain_run(fast: SimProcess) -> None:
    missing = fast.api.post(f"{V1}/runs/run_NOPE/approve")
    assert missing.status_code == 404 and error_of(missing) == "run_not_found"
    add(fast, "plain", sync_interval="1m")
    run = fast.api.post(f"{V1}/workspaces/plain/sync").json()
    done = run_in(fast.api, run["id"], "succeeded")
    assert "plan" not in done  # runs without a plan look as they always did
    refused = fast.api.post(f"{V1}/runs/{run['id']}/discard")
    assert refused.status_code == 409 and error_of(refused) == "run_not_awaiting_approval"


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "changes", "add": -1},
        {"outcome": "changes", "destroy": "2"},
        {"outcome": "changes", "change": True},
        {"outcome": "changes", "expires_in": "soon"},
    ],
)
def test_a_forced_plan_is_checked(sim: SimProcess, body: dict[str, Any]) -> None:
    answer = sim.control("POST", "/_sim/workspaces/production/next_outcome", json=body)
    assert answer.status_code == 422 and error_of(answer) == "validation_error"


def test_approval_endpoints_are_in_the_request_path(sim: SimProcess) -> None:
    # Without a key they are refused like every /v1 endpoint; a GET is a 405, not a 404.
    assert httpx.post(f"{sim.url}{V1}/runs/run_X/approve").status_code == 401
    assert sim.api.get(f"{V1}/runs/run_X/approve").status_code == 405
