"""Endpoints 1, 2 and 5, auth, rate limits, faults and idempotency, through the real process."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.simulator.helpers import V1, error_of, workspace
from tests.support.simproc import SimProcess


@pytest.mark.parametrize("path", [f"{V1}/workspaces", f"{V1}/config", "/_sim/requests"])
@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic dGVzdA==", "Bearer"])
def test_every_endpoint_wants_the_bearer_key(
    sim: SimProcess, anon: httpx.Client, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = anon.get(sim.url + path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "Missing or invalid API key",
        "code": 401,
    }


def test_the_default_fleet(api: httpx.Client) -> None:
    response = api.get(f"{V1}/workspaces")
    assert response.status_code == 200
    fleet = {ws["name"]: ws for ws in response.json()["workspaces"]}
    assert {"production", "staging", "dev", "networking", "billing-api", "sandbox"} <= set(fleet)
    assert 7 <= len(fleet) <= 10
    assert fleet["production"]["sync_interval"] == "10m"
    assert fleet["staging"]["sync_interval"] == fleet["dev"]["sync_interval"] == "5m"
    assert [n for n, ws in fleet.items() if ws["status"] == "failed"] == ["billing-api"]
    assert "Error" in fleet["billing-api"]["message"]
    assert [n for n, ws in fleet.items() if ws["status"] == "conflict"] == ["networking"]
    assert fleet["networking"]["open_conflicts"] == 1
    assert fleet["sandbox"] | {"last_sync": None} == fleet["sandbox"] | {
        "sync_enabled": False,
        "status": "disabled",
        "next_sync": None,
        "last_sync": None,
    }
    healthy = [ws for ws in fleet.values() if ws["status"] == "success"]
    assert healthy and all(ws["message"] is None and ws["next_sync"] for ws in healthy)
    assert all(ws["current_run_id"] is None for ws in fleet.values())


def test_rate_limit_headers_on_every_v1_answer(api: httpx.Client) -> None:
    first = api.get(f"{V1}/workspaces")
    second = api.get(f"{V1}/nothing-here")
    assert first.headers["X-RateLimit-Limit"] == "100"
    assert int(first.headers["X-RateLimit-Remaining"]) == 99
    assert int(second.headers["X-RateLimit-Remaining"]) == 98
    assert 0 < int(first.headers["X-RateLimit-Reset"]) - time.time() <= 61


def test_unknown_paths_and_methods(api: httpx.Client) -> None:
    assert error_of(api.get(f"{V1}/nope")) == "not_found"
    wrong = api.delete(f"{V1}/config")
    assert wrong.status_code == 405 and error_of(wrong) == "method_not_allowed"
    assert wrong.headers["Allow"] == "GET, PUT"
    assert api.get("/elsewhere").status_code == 404


def test_trigger_sync_queues_a_run(api: httpx.Client) -> None:
    response = api.post(f"{V1}/workspaces/production/sync", json={"requested_by": "U123"})
    assert response.status_code == 202
    run = response.json()
    assert response.headers["Location"] == f"{V1}/runs/{run['id']}"
    assert run["status"] == "queued" and run["trigger"] == "manual"
    assert run["requested_by"] == "U123" and run["workspace"] == "production"
    assert api.get(response.headers["Location"]).json()["id"] == run["id"]
    ws = workspace(api, "production")
    assert ws["current_run_id"] == run["id"] and ws["status"] in ("queued", "running")


def test_trigger_sync_without_a_body_is_requested_by_api(api: httpx.Client) -> None:
    assert api.post(f"{V1}/workspaces/dev/sync").json()["requested_by"] == "api"


def test_trigger_sync_errors(api: httpx.Client) -> None:
    missing = api.post(f"{V1}/workspaces/invalid-name/sync")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "workspace_not_found",
        "message": "Workspace 'invalid-name' does not exist",
        "code": 404,
    }
    disabled = api.post(f"{V1}/workspaces/sandbox/sync")
    assert disabled.status_code == 409 and error_of(disabled) == "sync_disabled"
    run_id = api.post(f"{V1}/workspaces/staging/sync").json()["id"]
    busy = api.post(f"{V1}/workspaces/staging/sync")
    assert busy.status_code == 409 and error_of(busy) == "sync_in_progress"
    assert busy.json()["run_id"] == run_id
    bad = api.post(f"{V1}/workspaces/staging/sync", content=b"not json")
    assert bad.status_code == 422 and error_of(bad) == "validation_error"


def test_sync_triggers_are_limited_per_workspace(api: httpx.Client) -> None:
    codes = [api.post(f"{V1}/workspaces/production/sync").status_code for _ in range(11)]
    assert codes == [202] + [409] * 9 + [429]
    limited = api.post(f"{V1}/workspaces/production/sync")
    assert error_of(limited) == "sync_rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another workspace has its own budget.
    assert api.post(f"{V1}/workspaces/dev/sync").status_code == 202


def test_run_not_found(api: httpx.Client) -> None:
    response = api.get(f"{V1}/runs/run_nope")
    assert response.status_code == 404 and error_of(response) == "run_not_found"


def test_rate_limit_per_key_and_recovery_signals(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/faults", json={"rate_limit_per_minute": 3})
    codes = [api.get(f"{V1}/workspaces").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api.get(f"{V1}/config")
    assert error_of(limited) == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["retry_after"] == int(limited.headers["Retry-After"])
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # /_sim is never limited and never counted.
    for _ in range(5):
        assert sim.control("GET", "/_sim/requests").status_code == 200
    sim.control("POST", "/_sim/faults", json={})
    assert api.get(f"{V1}/workspaces").status_code == 200


def test_error_fault_answers_json_5xx_and_clears(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/faults", json={"error_rate": 1.0})
    failing = api.get(f"{V1}/workspaces")
    assert failing.status_code == 503 and error_of(failing) == "service_unavailable"
    sim.control("POST", "/_sim/faults", json={"error_rate": 1.0, "error_status": 502})
    assert error_of(api.get(f"{V1}/workspaces")) == "bad_gateway"
    sim.control("POST", "/_sim/faults", json={})
    assert api.get(f"{V1}/workspaces").status_code == 200


def test_malformed_fault_garbles_the_body(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/faults", json={"malformed_rate": 1})
    response = api.get(f"{V1}/workspaces")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_latency_fault_does_not_block_other_requests(sim: SimProcess) -> None:
    sim.control("POST", "/_sim/faults", json={"latency_ms": 400})
    codes: list[int] = []

    def call() -> None:
        with sim.client() as client:
            codes.append(client.get(f"{V1}/workspaces").status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert codes == [200] * 6
    assert 0.4 <= elapsed < 1.5


def test_idempotent_replay_does_not_act_twice(sim: SimProcess, api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "retry-me-1"}
    first = api.post(f"{V1}/workspaces/production/sync", headers=headers)
    again = api.post(f"{V1}/workspaces/production/sync", headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    # A new key is a new operation, refused because the first run is still going.
    assert (
        api.post(
            f"{V1}/workspaces/production/sync", headers={"Idempotency-Key": "other"}
        ).status_code
        == 409
    )
    keys = [r["idempotency_key"] for r in sim.requests() if r["method"] == "POST"]
    assert keys == ["retry-me-1", "retry-me-1", "other"]


def test_failed_answers_are_not_replayed(sim: SimProcess, api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "after-outage"}
    sim.control("POST", "/_sim/faults", json={"error_rate": 1})
    assert api.post(f"{V1}/workspaces/dev/sync", headers=headers).status_code == 503
    sim.control("POST", "/_sim/faults", json={})
    assert api.post(f"{V1}/workspaces/dev/sync", headers=headers).status_code == 202


def test_an_idempotency_key_belongs_to_one_operation(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-1"}
    assert api.post(f"{V1}/workspaces/dev/sync", headers=headers).status_code == 202
    reused = api.post(f"{V1}/workspaces/staging/sync", headers=headers)
    assert reused.status_code == 422 and error_of(reused) == "idempotency_key_reused"
