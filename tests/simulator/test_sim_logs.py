"""Every simulated run has a Terraform log at GET /runs/{id}/log ([ASSUMED]), with links for
people on the run, and a failed run's log ends with Terraform's error block."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.simulator.helpers import V1, error_of, workspace
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def finished_run(sim: SimProcess, name: str, outcome: str) -> dict[str, Any]:
    assert sim.control("POST", f"/_sim/workspaces/{name}/next_outcome", {"outcome": outcome})
    run = sim.api.post(f"{V1}/workspaces/{name}/sync").json()

    def done() -> dict[str, Any] | None:
        now = sim.api.get(f"{V1}/runs/{run['id']}").json()
        return now if now["status"] not in ("queued", "running") else None

    return wait_until(done, what=f"run {run['id']} to finish")


def log_of(api: httpx.Client, run_id: str, **params: Any) -> str:
    answer = api.get(f"{V1}/runs/{run_id}/log", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def test_a_succeeded_run_logs_init_refresh_plan_and_apply(fast: SimProcess) -> None:
    run = finished_run(fast, "dev", "success")
    text = log_of(fast.api, run["id"])
    plain = ANSI.sub("", text)
    assert "\x1b[1m" in text and "\x1b[32m" in text  # Terraform's colours, as it prints them
    assert "Terraform has been successfully initialized!" in plain
    assert re.search(r"^aws_\w+\.\w+: Refreshing state\.\.\. \[id=[\w-]+\]$", plain, re.M)
    if "Apply complete!" in (run["message"] or ""):
        done = r"^aws_\w+\.\w+: (Creation|Modifications) complete after \d+s \[id="
        assert re.search(done, plain, re.M)
        assert plain.rstrip().endswith(run["message"])
    else:
        assert "No changes. Your infrastructure matches the configuration." in plain
    assert "Error:" not in plain


def test_a_failed_run_ends_with_the_error_block_carrying_its_message(fast: SimProcess) -> None:
    run = finished_run(fast, "dev", "failed")
    assert run["status"] == "failed"
    lines = ANSI.sub("", log_of(fast.api, run["id"])).rstrip().splitlines()
    assert lines[-1] == "╵"
    error = next(line for line in lines if line.startswith("│ Error: "))
    first_line = run["message"].removeprefix("Error: ").splitlines()[0]
    assert error == f"│ Error: {first_line}"
    assert any(line.endswith(": Creating...") for line in lines)
    # The same run always reads the same.
    assert log_of(fast.api, run["id"]) == log_of(fast.api, run["id"])


def test_tail_is_the_last_lines_and_is_bounded(fast: SimProcess) -> None:
    run = finished_run(fast, "dev", "failed")
    whole = log_of(fast.api, run["id"], tail=1000).splitlines()
    assert log_of(fast.api, run["id"], tail=3).splitlines() == whole[-3:]
    assert log_of(fast.api, run["id"], tail=10**9).splitlines() == whole
    refused = fast.api.get(f"{V1}/runs/{run['id']}/log", params={"tail": "-1"})
    assert refused.status_code == 422
    missing = fast.api.get(f"{V1}/runs/run_nope/log")
    assert missing.status_code == 404 and error_of(missing) == "run_not_found"


def test_runs_carry_links_to_the_simulators_own_pages(fast: SimProcess, anon: httpx.Client) -> None:
    run = finished_run(fast, "dev", "failed")
    assert run["url"] == f"{fast.url}/ui/runs/{run['id']}"
    assert run["log_url"] == f"{fast.url}/ui/runs/{run['id']}/log"
    page = anon.get(run["log_url"])  # for people: no API key, no colour codes
    assert page.status_code == 200 and "\x1b" not in page.text and "│ Error: " in page.text
    assert workspace(fast.api, "dev")["last_run_id"] == run["id"]


def test_a_failure_forced_through_sim_has_a_run_with_a_log(sim: SimProcess) -> None:
    forced = {"status": "failed", "message": "Error: boom"}
    assert sim.control("POST", "/_sim/workspaces/dev/state", forced).status_code == 200
    run_id = workspace(sim.api, "dev")["last_run_id"]
    assert "│ Error: boom" in ANSI.sub("", log_of(sim.api, run_id))
