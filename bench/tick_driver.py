"""Benchmark 2's own work for one poll_tick child, in a process of its own: about 1% of the
fleet changed before each tick, and the floor measured right after it.

The child's peak RSS is meant to be the poller's. When the child also changed the workspaces and
measured the floor, the floor's `json.loads` of the whole listing (~40 MB of dicts at 50,000
workspaces, memory the allocator then keeps for the next tick), the fleet's names and the last
floor's hashes were all counted as the poller's. This process holds them instead; the child asks
over a pipe, one JSON line each way:

- `flip`: about 1% of the workspaces change state through the simulator's /_sim API (half of
  them fail, half of the earlier failures recover); answers `{"flipped": n}`.
- `syncs`: about 1% of the workspaces finish a sync (1 in 20 fail, as many failures recover).
- `floor`: a plain `httpx` GET of /workspaces plus `json.loads`, timed with this process's own
  clock; answers `{"cpu", "wall", "changed"}`, `changed` being how many workspaces differ from
  the last floor's listing.

    python -m bench.tick_driver SIM_URL SYNTHETIC SEED    (started by bench.poll_tick's child)
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import httpx

from bench.common import ROOT
from bench.procs import API, SIM_KEY, synthetic_names


def _set_states(sim: httpx.Client, jobs: list[tuple[str, str]]) -> None:
    """Each (workspace, status) through the simulator's /_sim API, four at a time."""

    def one(job: tuple[str, str]) -> None:
        name, status = job
        body: dict[str, Any] = {"status": status}
        if status == "failed":
            body["message"] = f"Error: bench failure of {name}"
        sim.post(f"/_sim/workspaces/{name}/state", json=body).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, jobs))


def flip(sim: httpx.Client, names: list[str], failed: set[str], rng: random.Random) -> int:
    """About 1% of the fleet changes state: half fail, half of the earlier failures recover."""
    count = max(1, len(names) // 100)
    recover = rng.sample(sorted(failed), min(len(failed), count // 2))
    fail = rng.sample(names, count - len(recover))
    jobs = [(n, "success") for n in recover] + [(n, "failed") for n in fail if n not in failed]
    _set_states(sim, jobs)
    failed.difference_update(recover)
    failed.update(n for n, s in jobs if s == "failed")
    return len(jobs)


def syncs(sim: httpx.Client, names: list[str], failed: set[str], rng: random.Random) -> int:
    """About 1% of the fleet finishes a sync, as a fleet does between two polls (intervals of
    10 to 60 minutes, a poll every 30 s): 1 in 20 fails, as many earlier failures recover, and
    the rest succeed (last_sync moves, no alert)."""
    count = max(1, len(names) // 100)
    troubled = max(1, count // 20)
    recover = rng.sample(sorted(failed), min(len(failed), troubled))
    healthy = [n for n in rng.sample(names, min(len(names), 2 * count)) if n not in failed]
    fail, succeed = healthy[:troubled], healthy[troubled : count - len(recover)]
    jobs = [(n, "success") for n in recover + succeed] + [(n, "failed") for n in fail]
    _set_states(sim, jobs)
    failed.difference_update(recover)
    failed.update(fail)
    return len(jobs)


def serve(url: str, synthetic: int, seed: int) -> None:
    rng = random.Random(seed)
    names = synthetic_names(synthetic) or ["staging", "dev"]
    failed: set[str] = set()
    previous: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {SIM_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as sim:
        for line in sys.stdin:
            if line.strip() in ("flip", "syncs"):
                change = flip if line.strip() == "flip" else syncs
                answer: dict[str, Any] = {"flipped": change(sim, names, failed, rng)}
            else:
                cpu, wall = time.process_time(), time.perf_counter()
                listing = json.loads(sim.get(f"{API}/workspaces").content)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                state = {
                    w["name"]: hash((w["status"], w.get("message"), w.get("last_sync")))
                    for w in listing["workspaces"]
                }
                changed = sum(1 for k, v in state.items() if previous.get(k) != v)
                previous = state
                answer = {"cpu": cpu, "wall": wall, "changed": changed}
            print(json.dumps(answer), flush=True)


class Driver:
    """The child's handle on the driver process."""

    def __init__(self, url: str, synthetic: int, seed: int) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.tick_driver", url, str(synthetic), str(seed)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, request: str) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(request + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.tick_driver ended (exit code {self._proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def __enter__(self) -> Driver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
