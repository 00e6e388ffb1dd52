"""Benchmark 2, poll tick cost against fleet size: 100, 1,000, 10,000 and 50,000 workspaces.

For each size, a fresh simulator serves that many workspaces (`--workspaces N`, about 3% failed
at start, scheduled syncs going on) and a fresh child process measures fsync's poller in-process:
the real `Poller` from bot/alerts, built by `bot.wiring.build` exactly as `fsync-bot run` builds it
(SQLite file in WAL mode, alerts routed to FSYNC_ALERT_CHANNEL), holding its lease, ticked
directly. Before each tick, about 1% of the workspaces change state through the simulator's
/_sim API (half of them fail, half of the earlier failures recover); that is not timed. Every
tick is a full listing, the one the poller makes at least every ten minutes (quiet.FULL_EVERY).
A tick is `Poller.tick()`: the fleet listing at the poller's priority, reading it into models,
the diff against the snapshot, routing, and the one SQLite transaction. Per tick: CPU time
(`time.process_time()` of the child, the tick only), wall time, SQLite rows written (the
connection's `total_changes`), and the child's resident set after the tick (VmRSS) and at its
peak during the tick (VmHWM, reset before each tick). The first tick (which stores the whole
snapshot) is reported apart; the steady numbers are medians over the next ticks. The floor is
measured right after each tick (after its RSS is read), on the same listing: `httpx` GET of
/workspaces plus `json.loads`, nothing else; "CPU / floor" is the median of each tick's ratio to
the floor measured right after it. The changes and the floor are made by a process of their own
(bench/tick_driver.py), so that the child's RSS is the poller's alone: the floor's parsed listing
and the bench's own state are not in it. To measure fsync and not its rate limit, the child's
FIRESTARTR_RATE_LIMIT and the simulator's limit are raised. The fleet copy the poller saves for
commands at most once a minute is in the first tick only.
These ticks are full listings: each is asked without tag or cursor (as the poller asks every ten
minutes), so they measure the listing's whole cost. After them come the 1%-changed ticks on
changed_since (bench/delta_tick.py) and the unchanged-fleet ticks on a 304 (bench/quiet_tick.py).
"""

from __future__ import annotations

import gc
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench import common, delta_tick, procs, quiet_tick
from bench.common import Result
from bench.tick_driver import Driver

SIZES = (100, 1_000, 10_000, 50_000)
HAND_MADE = 8


def reset_peak_rss() -> None:
    """Start VmHWM again from the current RSS (Linux: clear_refs 5), to see one tick's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(size: int, ticks: int, seed: int) -> dict[str, Any]:
    """One fleet size, in this process: a simulator, fsync's poller, the ticks, the floor."""
    import httpx

    from bot import wiring
    from bot.alerts.lease import Lease
    from bot.alerts.poller import Poller
    from bot.settings import Settings

    synthetic = max(0, size - HAND_MADE)
    rows: list[dict[str, Any]] = []
    sim_args = ("--workspaces", str(synthetic), "--seed", str(seed))
    with procs.simulator(*sim_args) as sim, TemporaryDirectory() as tmp:
        sim.control("POST", "/_sim/faults", json={"rate_limit_per_minute": 1_000_000})
        settings = Settings(
            slack_bot_token="xoxb-bench",  # noqa: S106 - a fake token for a fake Slack
            slack_api_url="http://127.0.0.1:9/api/",  # the sender is not started: never called
            firestartr_api_url=sim.url,
            firestartr_api_key=sim.key,
            firestartr_rate_limit=100_000,
            db_path=Path(tmp) / "fsync.db",
            alert_channel="CALERTS",
            poll_interval=30,
        )
        deps = wiring.build(settings)
        poller = next(w for w in deps.workers if isinstance(w, Poller))
        lease = next(w for w in deps.workers if isinstance(w, Lease))
        assert lease.renew()
        conn = deps.store.db.conn
        floor_client = httpx.Client(base_url=sim.url, headers=sim.auth_headers, timeout=30)
        with Driver(sim.url, synthetic, seed) as driver:
            for n in range(ticks + 1):
                flipped = driver.ask("flip")["flipped"] if n else 0
                lease.renew()
                # A full listing, as every FULL_EVERY: else the poller asks with its ETag.
                poller.quiet.full_at = None
                gc.collect()
                reset_peak_rss()
                writes, cpu, wall = conn.total_changes, time.process_time(), time.perf_counter()
                poller.tick()
                tick_cpu, tick_wall = time.process_time() - cpu, time.perf_counter() - wall
                writes = conn.total_changes - writes
                peak, rss = vm("VmHWM"), vm("VmRSS")
                floor = driver.ask("floor")
                rows.append(
                    {
                        "tick": n,
                        "flipped": flipped,
                        "changed": floor["changed"],
                        "cpu": tick_cpu,
                        "wall": tick_wall,
                        "writes": writes,
                        "floor_cpu": floor["cpu"],
                        "floor_wall": floor["wall"],
                        "rss_mb": rss,
                        "peak_rss_mb": peak,
                    }
                )
            measured = (poller, lease, deps.client, conn, floor_client, ticks)
            poller.upkeep.fold()  # what the full-listing ticks appended: not the 1% ticks' work
            delta = delta_tick.measure(*measured, lambda: driver.ask("syncs")["flipped"])
            delta_fold = delta_tick.fold_cost(poller)
            storm = delta_tick.measure(*measured, lambda: driver.ask("flip")["flipped"])
            storm_fold = delta_tick.fold_cost(poller)
            quiet = quiet_tick.measure(*measured)
        floor_client.close()
        deps.client.close()
    return {
        "size": size,
        "ticks": rows,
        "delta": delta,
        "delta_fold": delta_fold,
        "delta_storm": storm,
        "delta_storm_fold": storm_fold,
        "quiet": quiet,
    }


def run_size(size: int, ticks: int, seed: int, tmp: Path) -> dict[str, Any]:
    out = tmp / f"size-{size}.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.poll_tick",
            "--child",
            str(size),
            "--ticks",
            str(ticks),
            "--seed",
            str(seed),
            "--child-out",
            str(out),
        ],
        cwd=common.ROOT,
        check=True,
        timeout=600,
    )
    return json.loads(out.read_text())


def median(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args.add_argument("--ticks", type=int, default=8, help="steady ticks per size")
    args.add_argument("--seed", type=int, default=3)
    args.add_argument("--child", type=int, help=argparse_hidden())
    args.add_argument("--child-out", type=Path, help=argparse_hidden())
    opts = args.parse_args()
    if opts.child:
        opts.child_out.write_text(json.dumps(child(opts.child, opts.ticks, opts.seed)))
        return
    sizes = [int(s) for s in opts.sizes.split(",")]
    if opts.smoke:
        sizes, opts.ticks = [100, 300], 2
    result = Result(
        name="poll_tick",
        title="2. Poll tick cost against fleet size",
        command="python -m bench.poll_tick",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={"sizes": sizes, "steady_ticks": opts.ticks, "changing_per_tick": "~1%"},
    )
    runs = []
    with TemporaryDirectory() as tmp:
        for size in sizes:
            runs.append(run_size(size, opts.ticks, opts.seed, Path(tmp)))
            print(f"  {size:>6} workspaces measured", flush=True)
    table = []
    summary: dict[int, dict[str, float]] = {}
    for run in runs:
        first, steady = run["ticks"][0], run["ticks"][1:]
        s = {
            "cpu": median(steady, "cpu"),
            "wall": median(steady, "wall"),
            "writes": median(steady, "writes"),
            "floor_cpu": median(steady, "floor_cpu"),
            "floor_wall": median(steady, "floor_wall"),
            "changed": median(steady, "changed"),
            "peak_rss": max(r["peak_rss_mb"] for r in run["ticks"]),
            "rss": statistics.median(r["rss_mb"] for r in steady),
            "first_cpu": first["cpu"],
            "first_writes": first["writes"],
        }
        # Each tick against the floor measured right after it: the machine's speed drifts.
        s["ratio"] = statistics.median(r["cpu"] / r["floor_cpu"] for r in steady)
        summary[run["size"]] = s
        table.append(
            [
                f"{run['size']:,}",
                f"{s['changed']:.0f}",
                f"{s['cpu'] * 1000:.1f} ms",
                f"{s['wall'] * 1000:.1f} ms",
                f"{s['writes']:.0f}",
                f"{s['floor_cpu'] * 1000:.1f} ms",
                f"{s['ratio']:.2f}x",
                f"{s['cpu'] / run['size'] * 1e6:.1f} µs",
                f"{s['rss']:.0f} / {s['peak_rss']:.0f} MB",
                f"{s['first_cpu'] * 1000:.0f} ms / {s['first_writes']:.0f}",
            ]
        )
    result.table(
        "Per tick (medians of the steady ticks)",
        [
            "workspaces",
            "changed",
            "CPU",
            "wall",
            "SQLite rows written",
            "floor CPU",
            "CPU / floor",
            "CPU per workspace",
            "RSS after / peak in tick",
            "first tick CPU / rows",
        ],
        table,
    )
    delta_rows = []
    for run, kind, label in [
        (run, kind, label)
        for run in runs
        for kind, label in (("delta", "syncs, 1 in 20 fails"), ("delta_storm", "half fail"))
    ]:
        delta, fold = run[kind], run[kind + "_fold"]
        d = {
            "changed": statistics.median(r["changed"] or 0 for r in delta),
            "cpu": median(delta, "cpu"),
            "listing_cpu": median(delta, "listing_cpu"),
            "wall": median(delta, "wall"),
            "writes": median(delta, "writes"),
            "floor_cpu": median(delta, "floor_cpu"),
            "ratio": statistics.median(r["cpu"] / r["floor_cpu"] for r in delta),
            "answered_delta": sum(1 for r in delta if r["delta"]) / len(delta),
            "fold_cpu": fold["cpu"],
            "fold_runs": fold["runs"],
        }
        # The fold's CPU shared out over the ticks whose runs it folded.
        share = fold["cpu"] / len(delta)
        d["amortised"] = statistics.median((r["cpu"] + share) / r["floor_cpu"] for r in delta)
        summary[run["size"]][kind] = d  # type: ignore[assignment]
        delta_rows.append(
            [
                f"{run['size']:,}",
                label,
                f"{d['changed']:.0f}",
                f"{d['answered_delta']:.0%}",
                f"{d['cpu'] * 1000:.2f} ms",
                f"{d['listing_cpu'] * 1000:.2f} ms",
                f"{d['wall'] * 1000:.2f} ms",
                f"{d['writes']:.0f}",
                f"{d['floor_cpu'] * 1000:.1f} ms",
                f"{d['ratio']:.1%}",
                f"{d['fold_cpu'] * 1000:.0f} ms / {d['fold_runs']:.0f}",
                f"{d['amortised']:.1%}",
            ]
        )
    result.table(
        "1% changed: the listing is a changed_since answer (medians; sync off, "
        "bench/delta_tick.py)",
        [
            "workspaces",
            "the 1% that changed",
            "changed",
            "ticks on changed_since",
            "CPU",
            "of which the listing",
            "wall",
            "SQLite rows written",
            "floor CPU",
            "CPU / floor",
            "fold CPU / runs",
            "amortised / floor",
        ],
        delta_rows,
    )
    quiet_rows = []
    for run in runs:
        quiet = run["quiet"]
        q = {
            "cpu": median(quiet, "cpu"),
            "wall": median(quiet, "wall"),
            "writes": median(quiet, "writes"),
            "floor_cpu": median(quiet, "floor_cpu"),
            "ratio": statistics.median(r["cpu"] / r["floor_cpu"] for r in quiet),
            "answered_304": sum(1 for r in quiet if r["unchanged"]) / len(quiet),
        }
        summary[run["size"]]["quiet"] = q  # type: ignore[assignment]
        quiet_rows.append(
            [
                f"{run['size']:,}",
                f"{q['answered_304']:.0%}",
                f"{q['cpu'] * 1000:.2f} ms",
                f"{q['wall'] * 1000:.2f} ms",
                f"{q['writes']:.0f}",
                f"{q['floor_cpu'] * 1000:.1f} ms",
                f"{q['ratio']:.1%}",
            ]
        )
    result.table(
        "Unchanged fleet: the listing answers 304 (medians; sync off, bench/quiet_tick.py)",
        [
            "workspaces",
            "ticks on a 304",
            "CPU",
            "wall",
            "SQLite rows written",
            "floor CPU",
            "CPU / floor",
        ],
        quiet_rows,
    )
    result.data = {"runs": runs, "summary": {str(k): v for k, v in summary.items()}}
    if 10_000 in summary:
        cpu = summary[10_000]["cpu"]
        result.budget(
            "10,000 workspaces: under 250 ms CPU per tick", f"{cpu * 1000:.0f} ms", cpu < 0.25
        )
    big = [n for n in sorted(summary) if n >= 1_000]
    if len(big) >= 2:
        # The log-log slope of CPU against fleet size: 1.0 is linear, 2.0 quadratic.
        small, large = big[0], big[-1]
        slope = math.log(summary[large]["cpu"] / summary[small]["cpu"]) / math.log(large / small)
        per = {n: summary[n]["cpu"] / n for n in (small, large)}
        result.budget(
            "cost grows linearly (not worse)",
            f"slope {slope:.2f} from {small:,} to {large:,} (1.00 is linear); CPU per workspace "
            f"{per[small] * 1e6:.1f} -> {per[large] * 1e6:.1f} µs",
            slope <= 1.1,
        )
    # Judged at the largest fleet, as issue 16 measured it: at 1,000 the floor is ~2 ms and the
    # ratio is the tick's fixed cost (a transaction, the lease), not the listing's.
    largest = max(summary)
    result.budget(
        "full listing of 50,000 workspaces at most 2.5x its floor",
        ", ".join(f"{n:,}: {s['ratio']:.2f}x" for n, s in sorted(summary.items())),
        summary[largest]["ratio"] <= 2.5 and largest == 50_000,
    )
    quiet_ratio = summary[largest]["quiet"]["ratio"]  # type: ignore[index]
    result.budget(
        "unchanged 50,000-workspace fleet: tick under 5% of the full-listing floor",
        f"{largest:,}: {quiet_ratio:.1%}" + ("" if largest == 50_000 else " (50,000 not run)"),
        quiet_ratio < 0.05 and largest == 50_000,
    )
    delta_ratio = summary[largest]["delta"]["ratio"]  # type: ignore[index]
    amortised = summary[largest]["delta"]["amortised"]  # type: ignore[index]
    result.budget(
        "1% of a 50,000-workspace fleet synced (1 in 20 failed): tick under 20% of the "
        "full-listing floor",
        f"{largest:,}: {delta_ratio:.1%} (with the history fold shared out: {amortised:.1%})"
        + ("" if largest == 50_000 else " (50,000 not run)"),
        delta_ratio < 0.20 and largest == 50_000,
    )
    if 50_000 in summary:
        peak = summary[50_000]["peak_rss"]
        result.budget("peak RSS at 50,000 under 150 MB", f"peak {peak:.0f} MB", peak < 150)
    result.show(result.write(opts.out))


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
