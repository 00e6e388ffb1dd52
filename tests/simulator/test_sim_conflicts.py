"""Endpoints 6, 7 and 8: listing, reading and resolving conflicts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulator.helpers import V1, error_of, workspace
from tests.support.simproc import SimProcess


def open_conflict(api: httpx.Client, name: str = "networking") -> dict[str, Any]:
    found = api.get(f"{V1}/conflicts", params={"workspace": name, "status": "open"})
    return found.json()["conflicts"][0]


def resolve(api: httpx.Client, conflict_id: str, **body: Any) -> httpx.Response:
    return api.post(f"{V1}/conflicts/{conflict_id}/resolve", json=body)


def test_a_conflict_at_start_was_found_by_the_sync_that_left_it(api: httpx.Client) -> None:
    """The demo's networking was last synced ~10 minutes ago: its conflict is as old, so fsync's
    "after … in conflict" agrees with `/fsync status` (it read "after 42s" before)."""
    conflict = open_conflict(api)
    (ws,) = [w for w in workspace_list(api) if w["name"] == "networking"]
    assert conflict["detected_at"] == ws["last_sync"]


def workspace_list(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get(f"{V1}/workspaces").json()["workspaces"]


def test_the_fleet_starts_with_one_open_conflict(api: httpx.Client) -> None:
    conflicts = api.get(f"{V1}/conflicts").json()["conflicts"]
    assert [(c["workspace"], c["status"]) for c in conflicts] == [("networking", "open")]
    conflict = conflicts[0]
    assert conflict["allowed_resolutions"] == [
        "apply_desired",
        "accept_remote",
        "ignore_once",
        "abort",
    ]
    assert conflict["resolution"] is conflict["resolved_by"] is conflict["resolved_at"] is None
    attributes = [a for r in conflict["resources"] for a in r["changed_attributes"]]
    secret = [a for a in attributes if a["sensitive"]]
    # Values are present on the wire: hiding them is the client's job.
    assert secret and all(a["desired"] and a["actual"] for a in secret)
    run = api.get(f"{V1}/runs/{conflict['run_id']}").json()
    assert run["status"] == "awaiting_resolution" and run["conflict_ids"] == [conflict["id"]]
    assert api.get(f"{V1}/conflicts/{conflict['id']}").json() == conflict


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 1),
        ({"workspace": "networking"}, 1),
        ({"workspace": "production"}, 0),
        ({"status": "open"}, 1),
        ({"status": "resolved"}, 0),
        ({"workspace": "ghost"}, 0),
    ],
)
def test_conflict_filters(api: httpx.Client, query: dict[str, str], count: int) -> None:
    assert len(api.get(f"{V1}/conflicts", params=query).json()["conflicts"]) == count


def test_conflict_not_found(api: httpx.Client) -> None:
    assert error_of(api.get(f"{V1}/conflicts/cfl_nope")) == "conflict_not_found"
    assert error_of(resolve(api, "cfl_nope", resolution="abort")) == "conflict_not_found"


@pytest.mark.parametrize("resolution", ["apply_desired", "accept_remote"])
def test_resolutions_that_start_a_run(api: httpx.Client, resolution: str) -> None:
    conflict = open_conflict(api)
    response = resolve(api, conflict["id"], resolution=resolution, resolved_by="U42")
    assert response.status_code == 200
    result = response.json()
    assert result["conflict"]["status"] == "resolved"
    assert result["conflict"]["resolution"] == resolution
    assert result["conflict"]["resolved_by"] == "U42" and result["conflict"]["resolved_at"]
    run = result["run"]
    assert run["trigger"] == "conflict_resolution" and run["requested_by"] == "U42"
    assert run["status"] == "queued" and run["workspace"] == "networking"
    ws = workspace(api, "networking")
    assert ws["open_conflicts"] == 0 and ws["current_run_id"] == run["id"]
    waiting = api.get(f"{V1}/runs/{conflict['run_id']}").json()
    assert waiting["status"] == "succeeded"


def test_ignore_once_puts_the_workspace_back_to_success(api: httpx.Client) -> None:
    conflict = open_conflict(api)
    result = resolve(api, conflict["id"], resolution="ignore_once").json()
    assert result["run"] is None
    assert result["conflict"]["status"] == "ignored" and result["conflict"]["resolved_by"] == "api"
    ws = workspace(api, "networking")
    assert (ws["status"], ws["open_conflicts"], ws["message"]) == ("success", 0, None)
    assert ws["next_sync"] is not None


def test_abort_cancels_the_waiting_run_and_restores_the_state(
    sim: SimProcess, api: httpx.Client
) -> None:
    sim.control("POST", "/_sim/workspaces/billing-api/state", json={"status": "conflict"})
    before = "failed"
    conflict = open_conflict(api, "billing-api")
    result = resolve(api, conflict["id"], resolution="abort").json()
    assert result["run"] is None and result["conflict"]["status"] == "resolved"
    assert api.get(f"{V1}/runs/{conflict['run_id']}").json()["status"] == "canceled"
    ws = workspace(api, "billing-api")
    assert ws["status"] == before and ws["message"].startswith("Error")


def test_a_decided_conflict_cannot_be_decided_again(api: httpx.Client) -> None:
    conflict = open_conflict(api)
    resolve(api, conflict["id"], resolution="ignore_once").raise_for_status()
    again = resolve(api, conflict["id"], resolution="apply_desired")
    assert again.status_code == 409 and error_of(again) == "conflict_already_resolved"
    assert again.json()["conflict"]["status"] == "ignored"


@pytest.mark.parametrize("resolution", ["delete_everything", "APPLY_DESIRED"])
def test_unknown_resolutions_are_not_allowed(api: httpx.Client, resolution: str) -> None:
    response = resolve(api, open_conflict(api)["id"], resolution=resolution)
    assert response.status_code == 422 and error_of(response) == "resolution_not_allowed"


def test_a_resolve_body_needs_a_resolution(api: httpx.Client) -> None:
    response = resolve(api, open_conflict(api)["id"], resolved_by="U1")
    assert response.status_code == 422 and error_of(response) == "validation_error"


def test_a_run_starting_resolution_waits_for_the_current_run(api: httpx.Client) -> None:
    conflict = open_conflict(api)
    running = api.post(f"{V1}/workspaces/networking/sync").json()
    refused = resolve(api, conflict["id"], resolution="apply_desired")
    assert refused.status_code == 409 and error_of(refused) == "sync_in_progress"
    assert refused.json()["run_id"] == running["id"]
    assert open_conflict(api)["id"] == conflict["id"]
