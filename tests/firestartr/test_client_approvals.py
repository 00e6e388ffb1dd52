"""[ASSUMED] approvals in SyncClient: approve_run / discard_run, the plan read tolerantly, a
decision that comes too late said plainly, and a server without approvals detected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import errors
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

from .conftest import MakeClient
from .fakes import Script, api_error, reply

API = "/v1/terraform/sync"
WAITING = {
    "id": "run_1",
    "workspace": "production",
    "status": "awaiting_approval",
    "plan": {
        "add": 2,
        "change": "1",
        "destroy": None,
        "resources": [{"address": "aws_sqs_queue.dlq", "action": "create"}, {"x": 1}],
    },
}


def test_a_waiting_run_carries_its_plan() -> None:
    run = Run.model_validate(WAITING)
    assert run.awaiting_approval and not run.finished
    assert run.plan is not None
    assert (run.plan.add, run.plan.change, run.plan.destroy) == (2, 1, 0)
    assert [r.address for r in run.plan.resources] == ["aws_sqs_queue.dlq", ""]


@pytest.mark.parametrize("plan", ["2 to add", 7, ["x"]])
def test_a_plan_fsync_cannot_read_is_no_plan(plan: Any) -> None:
    assert Run.model_validate({**WAITING, "plan": plan}).plan is None


@pytest.mark.parametrize("status", ["discarded", "expired"])
def test_discarded_and_expired_runs_are_finished(status: str) -> None:
    assert Run.model_validate({"id": "run_1", "status": status}).finished


def test_approve_sends_who_and_a_key(make_client: MakeClient) -> None:
    server = Script(reply(202, {**WAITING, "status": "running", "decided_by": "U1"}))
    client = make_client(server)
    run = client.approve_run("run_1", requested_by="U1", idempotency_key="k-1")
    assert (run.status, run.decided_by) == ("running", "U1")
    (sent,) = server.requests
    assert (sent.method, sent.url.path) == ("POST", f"{API}/runs/run_1/approve")
    assert json.loads(sent.content) == {"approved_by": "U1"}
    assert sent.headers["idempotency-key"] == "k-1"


def test_discard_retries_with_the_same_key(make_client: MakeClient) -> None:
    server = Script(reply(503), reply(202, {**WAITING, "status": "discarded"}))
    client = make_client(server)
    assert client.discard_run("run_1", requested_by="U1").status == "discarded"
    assert [r.url.path for r in server.requests] == [f"{API}/runs/run_1/discard"] * 2
    assert json.loads(server.requests[0].content) == {"discarded_by": "U1"}
    first, second = server.keys
    assert first and first == second


@pytest.mark.parametrize(
    ("run", "said"),
    [
        ({"status": "expired"}, "This plan is no longer waiting for approval (it expired)."),
        ({"status": "discarded"}, "(it was discarded)."),
        ({"status": "running"}, "(it was approved and is being applied)."),
        ({"status": "<!here>"}, "(it is `<!here>`)."),
        (None, "This plan is no longer waiting for approval."),
    ],
)
def test_too_late_says_what_became_of_the_plan(
    make_client: MakeClient, run: dict[str, Any] | None, said: str
) -> None:
    extra = {"run": {"id": "run_1", **run}} if run else {}
    client = make_client(Script(api_error(409, "run_not_awaiting_approval", **extra)))
    with pytest.raises(errors.RunNotAwaitingApproval) as info:
        client.approve_run("run_1")
    assert said in info.value.user_message
    assert info.value.run_status == (run or {}).get("status")


@pytest.mark.parametrize("missing", [reply(404, text="<html>no</html>"), reply(405, text="")])
def test_a_server_without_approvals_is_detected(make_client: MakeClient, missing: Any) -> None:
    server = Script(missing)
    client = make_client(server)
    for _ in range(2):
        with pytest.raises(errors.FeatureUnavailable) as info:
            client.discard_run("run_1")
        assert info.value.user_message == "This Sync API server does not offer plan approvals."
    assert len(server.requests) == 1
    assert client.features["approvals"] is False
    assert client.features["runs"] is True


def test_an_unknown_run_is_not_a_missing_feature(make_client: MakeClient) -> None:
    client = make_client(Script(api_error(404, "run_not_found")))
    with pytest.raises(errors.RunNotFound):
        client.approve_run("run_1")
    assert client.features["approvals"] is True


def test_against_the_simulator(sim: SimProcess) -> None:
    forced = {"outcome": "changes", "add": 1, "change": 2, "destroy": 1}
    sim.control("POST", "/_sim/workspaces/production/next_outcome", json=forced)
    with SyncClient(sim.url, sim.key, retries=1, backoff=0.02, max_wait=5) as client:
        started = client.trigger_sync("production", requested_by="U1")
        assert started is not None
        run = wait_until(lambda: (r := client.get_run(started.id)).awaiting_approval and r)
        assert run.plan is not None and (run.plan.add, run.plan.change) == (1, 2)
        assert run.plan.destroy == 1 and len(run.plan.resources) == 4
        discarded = client.discard_run(run.id, requested_by="U2")
        assert (discarded.status, discarded.decided_by) == ("discarded", "U2")
        with pytest.raises(errors.RunNotAwaitingApproval, match="it was discarded"):
            client.approve_run(run.id, requested_by="U2")
