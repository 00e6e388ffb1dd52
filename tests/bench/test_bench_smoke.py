"""Every benchmark's `--smoke` run (tiny sizes, nothing judged), so that none of them rots.

The six smoke runs are started together (they mostly wait on their own processes and poll
intervals, and judge no timing), which keeps them to about the longest one in the suite's
wall time. The real runs and their numbers are in docs/performance.md
(`python -m bench.<name>`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple]]:
    out = tmp_path_factory.mktemp("smoke")
    started = {}
    for name in report.ORDER:
        log = (out / f"{name}.log").open("w")
        started[name] = subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}", "--smoke", "--out", str(out / name)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    done = {}
    try:
        for name, proc in started.items():
            code = proc.wait(timeout=TIMEOUT)
            done[name] = (code, out / name, (out / f"{name}.log").read_text()[-4000:])
        yield done
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()


@pytest.mark.slow
@pytest.mark.parametrize("name", report.ORDER)
def test_smoke_run_writes_a_result_the_report_can_render(
    name: str, smoke_runs: dict[str, tuple]
) -> None:
    code, out, log = smoke_runs[name]
    assert code == 0, log
    result = json.loads((out / f"{name}.json").read_text())
    assert result["smoke"] is True and result["name"] == name
    assert result["budgets"], "a benchmark states its budgets even when it does not judge them"
    assert all(b["ok"] is None for b in result["budgets"])
    assert result["commit"]["sha"] and result["machine"]["cores"]
    page = report.render(report.load(out), "")
    assert result["title"] in page and "| budget | measured |" in page
