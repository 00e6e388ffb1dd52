"""Every benchmark's `--smoke` run (tiny sizes, nothing judged), so that none of them rots.

The real runs and their numbers are in docs/performance.md (`python -m bench.<name>`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("name", report.ORDER)
def test_smoke_run_writes_a_result_the_report_can_render(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result = json.loads((tmp_path / f"{name}.json").read_text())
    assert result["smoke"] is True and result["name"] == name
    assert result["budgets"], "a benchmark states its budgets even when it does not judge them"
    assert all(b["ok"] is None for b in result["budgets"])
    assert result["commit"]["sha"] and result["machine"]["cores"]
    page = report.render(report.load(tmp_path), "")
    assert result["title"] in page and "| budget | measured |" in page
