"""Every benchmark's `--smoke` run (tiny sizes, nothing judged), so that none of them rots.

The smoke runs are started together (they mostly wait on their own processes and poll
intervals, and judge no timing), which keeps them to about the longest one in the suite's
wall time. The real runs and their numbers are in docs/performance.md
(`python -m bench.<name>`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 100  # each run, in the fixture; pytest-timeout's 120 s would cut it off unexplained


class Smoke(NamedTuple):
    code: int
    out: Path
    log: str


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Smoke]]:
    out = tmp_path_factory.mktemp("smoke")
    started = {}
    for name in report.ORDER:
        with (out / f"{name}.log").open("w") as log:
            started[name] = subprocess.Popen(
                [sys.executable, "-m", f"bench.{name}", "--smoke", "--out", str(out / name)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    done = {}
    try:
        deadline = time.monotonic() + TIMEOUT
        for name, proc in started.items():
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                code = -9
            done[name] = Smoke(code, out / name, (out / f"{name}.log").read_text()[-4000:])
        yield done
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT + 20)
@pytest.mark.parametrize("name", report.ORDER)
def test_smoke_run_writes_a_result_the_report_can_render(
    name: str, smoke_runs: dict[str, Smoke]
) -> None:
    code, out, log = smoke_runs[name]
    assert code == 0, f"bench.{name} --smoke exited with {code}:\n{log}"
    result = json.loads((out / f"{name}.json").read_text())
    assert result["smoke"] is True and result["name"] == name
    assert result["budgets"], "a benchmark states its budgets even when it does not judge them"
    assert all(b["ok"] is None for b in result["budgets"])
    assert result["commit"]["sha"] and result["machine"]["cores"]
    page = report.render(report.load(out), "")
    assert result["title"] in page and "| budget | measured |" in page
