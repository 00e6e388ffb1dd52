"""Runs over time, on a simulator whose runs take 0.3 s: outcomes, conflicts, the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.simulator.helpers import V1, workspace
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def finished_run(api: httpx.Client, run_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        run = api.get(f"{V1}/runs/{run_id}").json()
        return run if run["finished_at"] else None

    return wait_until(probe)


def add(fast: SimProcess, name: str, **fields: Any) -> None:
    fast.control("POST", "/_sim/workspaces", json={"name": name, **fields}).raise_for_status()


def test_a_manual_run_goes_queued_running_succeeded(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "app", sync_interval="1m")
    run = api.post(f"{V1}/workspaces/app/sync").json()
    seen = wait_until(lambda: workspace(api, "app")["status"] == "running" and "running")
    assert seen
    done = finished_run(api, run["id"])
    assert done["status"] == "succeeded" and done["started_at"] and done["message"]
    ws = workspace(api, "app")
    assert (ws["status"], ws["message"], ws["current_run_id"]) == ("success", None, None)
    assert ws["last_sync"] == done["finished_at"]
    assert (at(ws["next_sync"]) - at(ws["last_sync"])).total_seconds() == 60


def test_next_outcome_failed_is_one_shot(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "app", sync_interval="1m")
    fast.control("POST", "/_sim/workspaces/app/next_outcome", json={"outcome": "failed"})
    failed = finished_run(api, api.post(f"{V1}/workspaces/app/sync").json()["id"])
    assert failed["status"] == "failed" and failed["message"].startswith("Error")
    ws = workspace(api, "app")
    assert ws["status"] == "failed" and ws["message"] == failed["message"]
    recovered = finished_run(api, api.post(f"{V1}/workspaces/app/sync").json()["id"])
    assert recovered["status"] == "succeeded"
    assert workspace(api, "app")["message"] is None


def test_a_conflict_outcome_waits_for_a_person(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "app", sync_interval="1m")
    fast.control("POST", "/_sim/workspaces/app/next_outcome", json={"outcome": "conflict"})
    run = finished_run(api, api.post(f"{V1}/workspaces/app/sync").json()["id"])
    assert run["status"] == "awaiting_resolution" and len(run["conflict_ids"]) == 1
    ws = workspace(api, "app")
    assert (ws["status"], ws["open_conflicts"], ws["next_sync"]) == ("conflict", 1, None)
    conflict = api.get(f"{V1}/conflicts/{run['conflict_ids'][0]}").json()
    assert conflict["status"] == "open" and conflict["run_id"] == run["id"]
    resolved = api.post(
        f"{V1}/conflicts/{conflict['id']}/resolve", json={"resolution": "apply_desired"}
    ).json()
    fix = finished_run(api, resolved["run"]["id"])
    assert fix["status"] == "succeeded" and fix["trigger"] == "conflict_resolution"
    ws = workspace(api, "app")
    assert (ws["status"], ws["open_conflicts"]) == ("success", 0) and ws["next_sync"]


def test_an_automatic_policy_resolves_conflicts_itself(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "app", sync_interval="1m")
    config = api.get(f"{V1}/config").json()
    config["conflict_resolution"] = "accept_remote"
    api.put(f"{V1}/config", json=config).raise_for_status()
    fast.control("POST", "/_sim/workspaces/app/next_outcome", json={"outcome": "conflict"})
    run = finished_run(api, api.post(f"{V1}/workspaces/app/sync").json()["id"])
    assert run["status"] == "succeeded"
    conflict = api.get(f"{V1}/conflicts/{run['conflict_ids'][0]}").json()
    assert (conflict["status"], conflict["resolution"]) == ("resolved", "accept_remote")
    assert workspace(api, "app")["status"] == "success"


def test_the_scheduler_runs_workspaces_when_due(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "tick", sync_interval="1s")
    run_id = wait_until(lambda: workspace(api, "tick")["current_run_id"])
    run = api.get(f"{V1}/runs/{run_id}").json()
    assert (run["trigger"], run["requested_by"]) == ("schedule", "scheduler")
    finished_run(api, run_id)
    ws = workspace(api, "tick")
    assert ws["status"] == "success" and ws["last_sync"]
    # And again one interval later: the schedule keeps going.
    wait_until(lambda: workspace(api, "tick")["current_run_id"] not in (None, run_id))


def test_disabled_workspaces_are_not_scheduled(fast: SimProcess) -> None:
    api = fast.api
    add(fast, "quiet", sync_interval="1s", sync_enabled=False)
    add(fast, "busy", sync_interval="1s")
    wait_until(lambda: workspace(api, "busy")["last_sync"], timeout=5)
    quiet = workspace(api, "quiet")
    assert (quiet["status"], quiet["last_sync"], quiet["current_run_id"]) == (
        "disabled",
        None,
        None,
    )
