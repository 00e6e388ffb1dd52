"""SyncClient against the real simulator process (tests/support/simproc.py), over loopback."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot import errors
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Conflict, WorkspaceConfig
from tests.support.simproc import SimProcess

V1 = "/v1/terraform/sync"
FLEET = ["production", "staging", "dev", "networking", "data-platform", "observability",
         "billing-api", "sandbox"]  # fmt: skip


@pytest.fixture
def client(sim: SimProcess) -> Iterator[SyncClient]:
    with SyncClient(sim.url, sim.key, retries=2, backoff=0.02, max_wait=5) as client:
        yield client


def v1_requests(sim: SimProcess) -> list[dict[str, Any]]:
    return [r for r in sim.requests() if r["path"].startswith(V1)]


def open_conflict(sim: SimProcess, client: SyncClient, workspace: str) -> Conflict:
    """A fresh workspace with exactly one open conflict (the default fleet has others)."""
    sim.control("POST", "/_sim/workspaces", json={"name": workspace}).raise_for_status()
    state = {"status": "conflict"}
    sim.control("POST", f"/_sim/workspaces/{workspace}/state", json=state).raise_for_status()
    [conflict] = client.list_conflicts(workspace=workspace)
    return conflict


def test_every_endpoint(sim: SimProcess, client: SyncClient) -> None:
    assert [w.name for w in client.list_workspaces()] == FLEET

    run = client.trigger_sync("staging", requested_by="U1")
    assert run is not None
    assert (run.workspace, run.trigger, run.requested_by) == ("staging", "manual", "U1")
    assert client.get_run(run.id).id == run.id

    config, etag = client.get_config()
    assert etag and config.workspaces["dev"].sync_interval == "5m"
    config.workspaces["dev"] = WorkspaceConfig(sync_interval="15m", auto_apply=True)
    stored = client.put_config(config, etag=etag)
    assert stored.workspaces["dev"].sync_interval == "15m"

    conflict = open_conflict(sim, client, "drifty")
    assert client.get_conflict(conflict.id).resources
    assert "ignore_once" in conflict.allowed_resolutions
    result = client.resolve_conflict(conflict.id, "ignore_once", resolved_by="U2")
    assert (result.conflict.status, result.conflict.resolved_by, result.run) == (
        "ignored",
        "U2",
        None,
    )
    assert client.list_conflicts(workspace="drifty") == []
    assert [c.id for c in client.list_conflicts(workspace="drifty", status=None)] == [conflict.id]
    assert client.features == {"runs": True, "conflicts": True, "logs": True, "approvals": True}
    assert client.last_ok_at is not None


def test_resolving_with_apply_desired_starts_a_run(sim: SimProcess, client: SyncClient) -> None:
    conflict = open_conflict(sim, client, "drifty")
    result = client.resolve_conflict(conflict.id, "apply_desired")
    assert result.run is not None and result.run.trigger == "conflict_resolution"


def test_a_wrong_key_is_unauthorized(sim: SimProcess) -> None:
    with SyncClient(sim.url, "not-the-key") as client, pytest.raises(errors.Unauthorized) as info:
        client.list_workspaces()
    assert info.value.user_message == (
        "The Sync API refused fsync's API key. Check FIRESTARTR_API_KEY."
    )


def test_an_unknown_workspace_names_the_near_ones(client: SyncClient) -> None:
    with pytest.raises(errors.WorkspaceNotFound) as info:
        client.trigger_sync("prod")
    assert info.value.user_message == (
        "No workspace named `prod`. Known: production, staging, dev, networking, "
        "data-platform, and 3 more."
    )


def test_unknown_runs_and_conflicts_are_not_missing_features(client: SyncClient) -> None:
    with pytest.raises(errors.RunNotFound):
        client.get_run("run_nope")
    with pytest.raises(errors.ConflictNotFound):
        client.get_conflict("cfl_nope")
    with pytest.raises(errors.ConflictNotFound):
        client.resolve_conflict("cfl_nope", "abort")
    assert client.features == {"runs": True, "conflicts": True, "logs": True, "approvals": True}


def test_a_second_trigger_while_running_is_sync_in_progress(client: SyncClient) -> None:
    run = client.trigger_sync("dev")
    assert run is not None
    with pytest.raises(errors.SyncInProgress) as info:
        client.trigger_sync("dev")
    assert info.value.run_id == run.id
    assert info.value.user_message == f"A sync of `dev` is already running (run {run.id})."


def test_resolving_twice_is_already_resolved(sim: SimProcess, client: SyncClient) -> None:
    conflict = open_conflict(sim, client, "drifty")
    client.resolve_conflict(conflict.id, "abort", resolved_by="alice")
    with pytest.raises(errors.ConflictAlreadyResolved) as info:
        client.resolve_conflict(conflict.id, "ignore_once")
    assert info.value.conflict is not None and info.value.conflict["status"] == "resolved"
    assert info.value.user_message == (
        f"Conflict `{conflict.id}` is already resolved: abort by alice."
    )


def test_a_stale_etag_is_a_version_mismatch(client: SyncClient) -> None:
    config, etag = client.get_config()
    client.put_config(config, etag=etag)
    with pytest.raises(errors.ConfigVersionMismatch):
        client.put_config(config, etag=etag)


def test_an_invalid_config_says_what_is_wrong(client: SyncClient) -> None:
    config, etag = client.get_config()
    config.workspaces["nope"] = WorkspaceConfig()
    with pytest.raises(errors.ValidationFailed) as info:
        client.put_config(config, etag=etag)
    assert info.value.user_message == (
        "The Sync API refused the config change: workspaces.nope: workspace does not exist."
    )


def test_a_replayed_idempotency_key_returns_the_original_run(
    sim: SimProcess, client: SyncClient
) -> None:
    first = client.trigger_sync("observability", idempotency_key="replay-me")
    again = client.trigger_sync("observability", idempotency_key="replay-me")
    assert first is not None and again is not None and again.id == first.id
    posts = [r for r in v1_requests(sim) if r["method"] == "POST"]
    assert [(r["status"], r["idempotency_key"]) for r in posts] == [(202, "replay-me")] * 2


def test_post_retries_on_5xx_reuse_one_key(sim: SimProcess, client: SyncClient) -> None:
    sim.control("POST", "/_sim/faults", json={"error_rate": 1, "error_status": 503})
    with pytest.raises(errors.ServerError, match=r"unavailable right now \(HTTP 503\)"):
        client.trigger_sync("staging")
    posts = v1_requests(sim)
    assert [r["status"] for r in posts] == [503] * 3
    assert len({r["idempotency_key"] for r in posts}) == 1


def test_a_garbled_answer_is_unexpected(sim: SimProcess, client: SyncClient) -> None:
    sim.control("POST", "/_sim/faults", json={"malformed_rate": 1})
    with pytest.raises(errors.UnexpectedResponse) as info:
        client.list_workspaces()
    assert info.value.user_message == (
        "The Sync API sent an answer fsync could not read (HTTP 200, application/json)."
    )


def test_429_is_handled_by_waiting(sim: SimProcess, client: SyncClient) -> None:
    sim.control("POST", "/_sim/faults", json={"error_rate": 1, "error_status": 429})
    threading.Timer(0.3, sim.control, ("POST", "/_sim/faults"), {"json": {}}).start()
    started = time.monotonic()
    assert [w.name for w in client.list_workspaces()] == FLEET
    assert time.monotonic() - started >= 0.9  # the simulator said Retry-After: 1
    statuses = [r["status"] for r in v1_requests(sim)]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {429} and len(statuses) <= 3


def test_a_spent_budget_pauses_instead_of_hammering(sim: SimProcess) -> None:
    sim.control("POST", "/_sim/faults", json={"rate_limit_per_minute": 5})
    with SyncClient(sim.url, sim.key, max_wait=2) as client:
        # full=True: 304s (an unchanged fleet asked with its ETag) are not counted by the simulator.
        for _ in range(5):
            client.list_workspaces(full=True)
        # The 5th answer said Remaining: 0 until the window rolls (~60 s): more than max_wait.
        started = time.monotonic()
        with pytest.raises(errors.RateLimited) as info:
            client.list_workspaces(full=True)
        assert time.monotonic() - started < 1
    assert info.value.retry_after is not None and info.value.retry_after > 50
    assert len(v1_requests(sim)) == 5


def test_names_travel_as_encoded_path_segments(sim: SimProcess, client: SyncClient) -> None:
    sim.control("POST", "/_sim/workspaces", json={"name": "a.b_c-1"}).raise_for_status()
    run = client.trigger_sync("a.b_c-1")
    assert run is not None and run.workspace == "a.b_c-1"
    assert v1_requests(sim)[-1]["path"] == f"{V1}/workspaces/a.b_c-1/sync"


def test_no_key_in_the_logs_of_a_real_exchange(
    sim: SimProcess, client: SyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.list_workspaces()
    client.trigger_sync("staging")
    with pytest.raises(errors.SyncInProgress):
        client.trigger_sync("staging")
    assert caplog.records  # httpx and httpcore did log the exchange
    assert sim.key not in caplog.text
