"""What every benchmark shares: arguments, the machine, the commit, statistics, and results.

A result is one JSON file in bench/results/<name>.json (or `--out DIR`): the method (the
benchmark's docstring), the machine, the commit, the parameters, a list of budget rows
(budget, measured, ok) and detail tables. `python -m bench.report` renders them all into
docs/performance.md. The processes the benchmarks run are in bench/procs.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


# --- arguments and results ---------------------------------------------------------------------
def parser(doc: str | None) -> argparse.ArgumentParser:
    first = (doc or "").strip().splitlines()[0] if doc else None
    ap = argparse.ArgumentParser(description=first)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no budgets checked")
    ap.add_argument("--out", type=Path, default=None, help="results directory (bench/results)")
    return ap


@dataclass
class Budget:
    budget: str
    measured: str
    ok: bool | None  # None: not judged (smoke runs)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Result:
    name: str
    title: str
    command: str
    method: str
    smoke: bool
    params: dict[str, Any] = field(default_factory=dict)
    budgets: list[Budget] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def budget(self, budget: str, measured: str, ok: bool) -> None:
        self.budgets.append(Budget(budget, measured, None if self.smoke else bool(ok)))

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.tables.append(Table(title, list(columns), [list(r) for r in rows]))

    def write(self, out: Path | None) -> Path:
        directory = out or (RESULTS / "smoke" if self.smoke else RESULTS)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "name": self.name,
            "title": self.title,
            "command": self.command,
            "method": self.method.strip(),
            "smoke": self.smoke,
            "commit": commit(),
            "machine": machine(),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.monotonic() - self.started, 1),
            "params": self.params,
            "budgets": [asdict(b) for b in self.budgets],
            "tables": [asdict(t) for t in self.tables],
            "notes": self.notes,
            "data": self.data,
        }
        path = directory / f"{self.name}.json"
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        return path

    def show(self, path: Path) -> None:
        width = max([len(b.budget) for b in self.budgets] + [10])
        print(f"\n{self.title}  ({'smoke' if self.smoke else 'full'} run)")
        for b in self.budgets:
            mark = "----" if b.ok is None else "ok  " if b.ok else "MISS"
            print(f"  {mark} {b.budget:<{width}}  {b.measured}")
        for note in self.notes:
            print(f"  note: {note}")
        print(f"  -> {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor() or "unknown",
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    # The code measured; not bench/results, which each benchmark of a sequence rewrites.
    code = ("bot", "bench", ":(exclude)bench/results", ":(exclude)bench/findings.md")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *code)
    return {"sha": git("rev-parse", "HEAD"), "dirty": bool(dirty), "dirty_files": dirty.split("\n")}


# --- statistics --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually measured."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
        "min": min(values) if values else float("nan"),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of another process so far (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
