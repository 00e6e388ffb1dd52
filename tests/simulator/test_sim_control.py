"""The /_sim control API: add, remove, force state, next outcome, faults, request log, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.simulator.helpers import V1, error_of, workspace
from tests.support.simproc import SimProcess


def names(api: httpx.Client) -> list[str]:
    return [ws["name"] for ws in api.get(f"{V1}/workspaces").json()["workspaces"]]


def test_add_a_workspace(sim: SimProcess, api: httpx.Client) -> None:
    created = sim.control(
        "POST",
        "/_sim/workspaces",
        json={"name": "payments", "sync_interval": "15m", "auto_apply": True},
    )
    assert created.status_code == 201
    assert created.json() == workspace(api, "payments")
    ws = created.json()
    assert (ws["status"], ws["sync_enabled"], ws["last_sync"]) == ("never_synced", True, None)
    assert ws["sync_interval"] == "15m" and ws["auto_apply"] is True and ws["next_sync"]
    config = api.get(f"{V1}/config").json()
    assert config["workspaces"]["payments"]["sync_interval"] == "15m"


def test_add_a_disabled_or_failed_workspace(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/workspaces", json={"name": "off", "sync_enabled": False})
    assert workspace(api, "off")["status"] == "disabled"
    sim.control("POST", "/_sim/workspaces", json={"name": "broken", "status": "failed"})
    assert workspace(api, "broken")["message"].startswith("Error")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "production"}, 409),
        ({"name": "-bad"}, 422),
        ({}, 422),
        ({"name": "ok", "sync_interval": "soon"}, 422),
        ({"name": "ok", "status": "happy"}, 422),
        ({"name": "ok", "auto_apply": "yes"}, 422),
    ],
)
def test_add_workspace_errors(sim: SimProcess, body: dict[str, object], status: int) -> None:
    assert sim.control("POST", "/_sim/workspaces", json=body).status_code == status


def test_delete_a_workspace(sim: SimProcess, api: httpx.Client) -> None:
    assert sim.control("DELETE", "/_sim/workspaces/networking").status_code == 204
    assert "networking" not in names(api)
    assert api.get(f"{V1}/conflicts").json()["conflicts"] == []
    assert sim.control("DELETE", "/_sim/workspaces/networking").status_code == 404


def test_force_failed_then_recover(sim: SimProcess, api: httpx.Client) -> None:
    before = workspace(api, "production")
    failed = sim.control(
        "POST",
        "/_sim/workspaces/production/state",
        json={"status": "failed", "message": "Error: boom"},
    )
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["message"]) == ("failed", "Error: boom")
    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "success"})
    ws = workspace(api, "production")
    assert (ws["status"], ws["message"]) == ("success", None)
    assert ws["last_sync"] >= before["last_sync"]


def test_a_state_can_come_about_in_the_past_week_never_ahead(
    sim: SimProcess, api: httpx.Client
) -> None:
    path = "/_sim/workspaces/dev/state"
    body = {"status": "success", "at": "2026-01-05T12:00:00+00:00"}
    past = datetime.now(UTC) - timedelta(days=3)
    assert sim.control("POST", path, json={**body, "at": past.isoformat()}).status_code == 200
    assert datetime.fromisoformat(workspace(api, "dev")["last_sync"]) == past.replace(microsecond=0)
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    for at in (ahead, "last tuesday", "2020-01-01T00:00:00+00:00"):
        assert sim.control("POST", path, json={**body, "at": at}).status_code == 422


def test_force_failed_without_a_message_gets_a_terraform_one(sim: SimProcess) -> None:
    ws = sim.control("POST", "/_sim/workspaces/dev/state", json={"status": "failed"}).json()
    assert ws["message"].startswith("Error")


def test_force_conflict_opens_a_realistic_conflict(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "conflict"})
    ws = workspace(api, "production")
    assert (ws["status"], ws["open_conflicts"]) == ("conflict", 1)
    conflicts = api.get(f"{V1}/conflicts", params={"workspace": "production"}).json()
    conflict = conflicts["conflicts"][0]
    assert conflict["status"] == "open" and conflict["resources"]
    assert all(r["address"].count(".") >= 1 for r in conflict["resources"])


def test_forcing_another_state_sets_open_conflicts_aside(
    sim: SimProcess, api: httpx.Client
) -> None:
    sim.control("POST", "/_sim/workspaces/networking/state", json={"status": "success"})
    ws = workspace(api, "networking")
    assert (ws["status"], ws["open_conflicts"]) == ("success", 0)
    assert api.get(f"{V1}/conflicts", params={"status": "open"}).json()["conflicts"] == []


def test_force_running_starts_a_run(sim: SimProcess, api: httpx.Client) -> None:
    ws = sim.control("POST", "/_sim/workspaces/production/state", json={"status": "running"}).json()
    assert ws["status"] == "running" and ws["current_run_id"]
    run = api.get(f"{V1}/runs/{ws['current_run_id']}").json()
    assert run["status"] == "running"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_sim/workspaces/ghost/state", {"status": "failed"}, 404),
        ("/_sim/workspaces/dev/state", {"status": "on_fire"}, 422),
        ("/_sim/workspaces/dev/next_outcome", {"outcome": "maybe"}, 422),
        ("/_sim/workspaces/ghost/next_outcome", {"outcome": "failed"}, 404),
        ("/_sim/faults", {"error_rate": 2}, 422),
        ("/_sim/faults", {"latency_ms": "slow"}, 422),
        ("/_sim/nothing", {}, 404),
    ],
)
def test_control_errors(sim: SimProcess, path: str, body: dict[str, object], status: int) -> None:
    response = sim.control("POST", path, json=body)
    assert response.status_code == status
    assert response.json()["code"] == status


def test_next_outcome_is_accepted(sim: SimProcess) -> None:
    response = sim.control(
        "POST", "/_sim/workspaces/dev/next_outcome", json={"outcome": "conflict"}
    )
    assert response.json() == {"workspace": "dev", "next_outcome": "conflict"}


def test_faults_echo_and_clear(sim: SimProcess) -> None:
    set_ = sim.control("POST", "/_sim/faults", json={"latency_ms": 5, "error_rate": 0.5})
    assert set_.json()["faults"]["latency_ms"] == 5
    assert set_.json()["faults"]["error_status"] == 503
    cleared = sim.control("POST", "/_sim/faults", json={}).json()["faults"]
    assert cleared["latency_ms"] == 0 and cleared["error_rate"] == 0


def test_the_request_log(sim: SimProcess, api: httpx.Client) -> None:
    api.get(f"{V1}/workspaces", params={"page": 2})
    api.post(f"{V1}/workspaces/dev/sync", headers={"Idempotency-Key": "abc"})
    api.get(f"{V1}/runs/run_nope")
    sim.control("GET", "/_sim/requests")
    log = sim.requests()
    assert [(r["method"], r["path"], r["status"], r["idempotency_key"]) for r in log] == [
        ("GET", f"{V1}/workspaces", 200, None),
        ("POST", f"{V1}/workspaces/dev/sync", 202, "abc"),
        ("GET", f"{V1}/runs/run_nope", 404, None),
    ]
    assert all(r["at"].endswith("Z") for r in log)
    assert log == sorted(log, key=lambda r: r["at"])


def test_reset_returns_to_the_start_up_state(sim: SimProcess, api: httpx.Client) -> None:
    start = sorted(names(api))
    sim.control("POST", "/_sim/workspaces", json={"name": "extra"})
    sim.control("DELETE", "/_sim/workspaces/production")
    sim.control("POST", "/_sim/faults", json={"error_rate": 1})
    assert sim.control("POST", "/_sim/reset").json() == {"reset": True}
    assert sorted(names(api)) == start
    assert sim.requests() == [
        {
            "method": "GET",
            "path": f"{V1}/workspaces",
            "status": 200,
            "idempotency_key": None,
            "at": sim.requests()[0]["at"],
        }
    ]
    assert error_of(api.get(f"{V1}/runs/run_x")) == "run_not_found"
