"""The simulator as a process: start-up, signals, command-line options, a 50,000-workspace fleet."""

from __future__ import annotations

import signal
import time

import pytest

from tests.simulator.helpers import V1
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_starts_fast_and_stops_cleanly(sig: signal.Signals) -> None:
    with SimProcess(extra_args=["--failure-rate", "1", "--sync-seconds", "0.2"]) as sim:
        assert sim.startup_seconds < 2.0
        assert sim.url.startswith("http://127.0.0.1:") and sim.key not in sim.url
        # --failure-rate 1: every run fails, scheduled or not.
        run = sim.api.post(f"{V1}/workspaces/production/sync").json()
        ended = wait_until(lambda: sim.api.get(f"{V1}/runs/{run['id']}").json()["finished_at"])
        assert ended and sim.api.get(f"{V1}/runs/{run['id']}").json()["status"] == "failed"
        assert sim.proc is not None
        started = time.monotonic()
        sim.proc.send_signal(sig)
        assert sim.proc.wait(timeout=5) == 0
        assert time.monotonic() - started < 3
        assert sim.proc.stdout is not None and sim.proc.stdout.read() == ""
        assert "Traceback" not in sim.stderr()


def test_a_fleet_of_50000_workspaces() -> None:
    with SimProcess(extra_args=["--workspaces", "50000", "--seed", "7"]) as sim:
        assert sim.startup_seconds < 5.0
        started = time.monotonic()
        listed = sim.api.get(f"{V1}/workspaces")
        first_list = time.monotonic() - started
        workspaces = listed.json()["workspaces"]
        assert len(workspaces) == 50_008
        synthetic = [ws for ws in workspaces if ws["name"].startswith("ws-")]
        assert synthetic[0]["name"] == "ws-00001" and synthetic[-1]["name"] == "ws-50000"
        intervals = {ws["sync_interval"] for ws in synthetic}
        assert intervals <= {"10m", "15m", "20m", "30m", "45m", "1h"} and len(intervals) > 3
        failed = sum(ws["status"] == "failed" for ws in synthetic)
        assert 0 < failed < 0.1 * len(synthetic)
        assert len({ws["next_sync"] for ws in synthetic}) > 1000
        assert first_list < 3.0
        started = time.monotonic()
        for _ in range(5):
            assert sim.api.get(f"{V1}/workspaces").status_code == 200
        assert (time.monotonic() - started) / 5 < 1.0
        # Same seed, same fleet: a reset rebuilds the same workspaces (statuses move on, since a
        # fleet this big always has a few syncs going).
        shape = [(ws["name"], ws["sync_interval"], ws["auto_apply"]) for ws in workspaces]
        sim.reset()
        again = sim.api.get(f"{V1}/workspaces").json()["workspaces"]
        assert [(ws["name"], ws["sync_interval"], ws["auto_apply"]) for ws in again] == shape
