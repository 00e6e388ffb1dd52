"""Benchmark 7, history at scale: 90 days of history for 10,000 workspaces.

A fresh SQLite file (fsync's own schema, WAL mode, through `bot.store.Store`) is filled the way the
poller fills it, through `bot.alerts.history_repo.record`, one transaction per simulated day:
every workspace's successes of a day (one row a day, as the poller's successes in a row share
one), and on about 3% of workspace-days a failure: the failed run (a realistic Terraform error
of about 200 characters, one of twelve kinds so that fingerprints repeat) and its episode, opened
and recovered within the day. Measured: the time to write it (not a budget: the poller writes one
tick at a time), the database file's size after a checkpoint, and, for the workspace with the
most episodes, what `/fsync history <workspace> 90d` costs: reading its rows, summarising them
(`bot.alerts.history.summarise`) and drawing the message (`bot.slack.history_view`), as CPU time
(`time.process_time`, the median of five) and the peak of Python allocations (`tracemalloc`).
Then the fleet's report (`bot.alerts.report.Reports.last`, what `/fsync report` and the digests
compute, reading episodes from history as far back as 90 days) over 7 and 30 days, and the
message drawn from it, measured the same way: CPU time and peak allocations.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from bench import common
from bench.common import Result
from bot.alerts import history, history_repo
from bot.alerts.history_repo import RunSeen
from bot.alerts.model import Episode
from bot.alerts.report import Reports
from bot.slack.history_view import history_message
from bot.slack.report_views import report_message
from bot.store import Store

ERRORS = [
    "Error: creating EC2 Instance: UnauthorizedOperation: You are not authorized ({n})",
    "Error acquiring the state lock: ConditionalCheckFailedException: Lock Info: ID: {n}",
    "Error: configuring Terraform AWS Provider: no valid credential sources found ({n})",
    "Error: error reading S3 Bucket ({n}): Forbidden: Forbidden status code: 403",
    "Error: Provider produced inconsistent final plan for module.vpc ({n})",
    "Error: timeout while waiting for state to become 'available' (last state: {n})",
    "Error: creating RDS DB Instance ({n}): InvalidParameterCombination",
    "Error: deleting IAM Role ({n}): DeleteConflict: Cannot delete entity",
    "Error: Kubernetes cluster unreachable: Get https://10.0.0.1/version ({n})",
    "Error: reading Route 53 Hosted Zone ({n}): NoSuchHostedZone",
    "Error: creating Security Group Rule: InvalidPermission.Duplicate ({n})",
    "Error: waiting for ECS Service ({n}) to become stable: timeout",
]


def fill(store: Store, workspaces: int, days: int, failure_rate: float, seed: int) -> int:
    """Write `days` days of history; returns how many episodes were written."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    names = [f"ws-{n:05d}" for n in range(workspaces)]
    episodes = 0
    for day in range(days):
        noon = start + timedelta(days=day, hours=12)
        runs: list[RunSeen] = []
        news: list[Episode] = []
        for name in names:
            if rng.random() < failure_rate:
                error = rng.choice(ERRORS).format(n=rng.randrange(10**6)) + " " + "x" * 120
                opened = noon - timedelta(minutes=rng.randrange(600))
                closed = opened + timedelta(minutes=5 + rng.randrange(300))
                runs.append(
                    RunSeen(
                        f"run-{name}-{day}",
                        name,
                        f"run-{name}-{day}",
                        None,
                        opened,
                        "failed",
                        "fp",
                        error,
                    )
                )
                news.append(
                    Episode(
                        f"ep-{name}-{day}",
                        name,
                        "failed",
                        opened,
                        "success",
                        error,
                        error,
                        1 + rng.randrange(3),
                        closed_at=closed,
                        closed_how="recovered",
                    )
                )
                episodes += 1
            runs.append(
                RunSeen(
                    f"{name}@{day}",
                    name,
                    None,
                    None,
                    noon + timedelta(hours=6),
                    "success",
                    runs=288,
                )
            )
        with store.db.conn:
            assert history_repo.record(store.db, runs, news)
    return episodes


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--workspaces", type=int, default=10_000)
    args.add_argument("--days", type=int, default=90)
    args.add_argument("--failure-rate", type=float, default=0.03)
    opts = args.parse_args()
    if opts.smoke:
        opts.workspaces, opts.days = 200, 7
    result = Result(
        name="history",
        title="7. History at scale",
        command="python -m bench.history",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={"workspaces": opts.workspaces, "days": opts.days, "failures": opts.failure_rate},
    )
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "fsync.db"
        store = Store(path)
        began = time.monotonic()
        written = fill(store, opts.workspaces, opts.days, opts.failure_rate, seed=7)
        wrote = time.monotonic() - began
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        (worst,) = store.db.execute(
            "SELECT workspace FROM history_episodes GROUP BY workspace "
            "ORDER BY count(*) DESC, workspace LIMIT 1"
        ).fetchone()
        now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=opts.days, hours=1)

        def one() -> int:
            since = history.period_start(now, 90)
            summary = history.summarise(
                worst,
                90,
                now,
                history_repo.runs(store.db, worst, since),
                history_repo.episodes(store.db, worst, since),
                [],
                history_repo.first_seen(store.db, worst),
            )
            return len(history_message(summary)["blocks"])

        cpu = []
        for _ in range(5):
            t0 = time.process_time()
            blocks = one()
            cpu.append(time.process_time() - t0)
        tracemalloc.start()
        one()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        reports = Reports(store, clock=lambda: now, keep=timedelta(days=opts.days))
        report_cost = {}
        for days in (7, 30):
            t0 = time.process_time()
            report = reports.last(days)
            report_blocks = len(report_message(report, "report")["blocks"])
            spent = time.process_time() - t0
            tracemalloc.start()
            report_message(reports.last(days), "report")
            report_cost[days] = (spent, tracemalloc.get_traced_memory()[1], report_blocks)
            tracemalloc.stop()
    mb = size / 2**20
    per_ws = size / max(1, opts.workspaces)
    result.budget(
        f"database under 500 MB for {opts.workspaces:,} workspaces x {opts.days} days",
        f"{mb:.1f} MB ({per_ws / 1024:.1f} KiB a workspace)",
        mb < 500,
    )
    result.budget(
        "`/fsync history <ws> 90d` under 0.2 s CPU and 20 MB",
        f"{statistics.median(cpu) * 1000:.0f} ms CPU, {peak / 2**20:.1f} MB peak, {blocks} blocks",
        statistics.median(cpu) < 0.2 and peak < 20 * 2**20,
    )
    for days, (spent, top, n) in report_cost.items():
        result.budget(
            f"`/fsync report {days}d` (and a digest) under 2 s CPU and 300 MB",
            f"{spent:.2f} s CPU, {top / 2**20:.0f} MB peak, {n} blocks",
            spent < 2 and top < 300 * 2**20,
        )
    result.table(
        "What was written",
        ["workspaces", "days", "episodes", "write time", "database"],
        [[opts.workspaces, opts.days, written, f"{wrote:.0f} s", f"{mb:.1f} MB"]],
    )
    result.data = {
        "size_bytes": size,
        "episodes": written,
        "history_cpu_s": cpu,
        "report": {str(d): {"cpu_s": c, "peak_bytes": p} for d, (c, p, _) in report_cost.items()},
    }
    result.show(result.write(opts.out))


if __name__ == "__main__":
    main()
