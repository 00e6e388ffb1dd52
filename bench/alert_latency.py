"""Benchmark 6, alert latency: from a state change in the simulator to the Slack post, over 100
changes.

The simulator serves 208 workspaces; `fsync-bot run` polls it at the default interval (30 s).
Twenty channels of a fake Slack (which enforces about one message per second per channel with
429s) each subscribe, with a signed `/fsync subscribe ws-0NN* failed`, to ten workspaces, as a
team would. Then 100 healthy workspaces, five per channel, fail one at a time through /_sim at
random moments spread evenly over four poll intervals, so that changes land at every phase of the
poll cycle (just after a poll, just before one). A change's latency is from just before its /_sim
call to the moment Slack accepted the first message in that workspace's channel that names it.
Percentiles are nearest-rank over the 100 changes.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from bench import common, procs
from bench.common import Result, summary
from bench.procs import API, Bot
from tests.support.botproc import ADMIN


def subscribe(bot: Bot, slack: procs.CountingSlack, channel: str, glob: str) -> None:
    answer, name = bot.command(f"subscribe {glob} failed", user=ADMIN, channel=channel)
    answer.raise_for_status()
    if slack.wait_arrival([name], 0.0, 20) is None:
        raise RuntimeError(f"no answer to the subscription of {channel}")


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--changes", type=int, default=100)
    args.add_argument("--channels", type=int, default=20)
    args.add_argument("--interval", type=float, default=30.0, help="FSYNC_POLL_INTERVAL")
    args.add_argument("--seed", type=int, default=6)
    opts = args.parse_args()
    if opts.smoke:
        opts.changes, opts.channels, opts.interval = 6, 3, 1.0
    per_channel = -(-opts.changes // opts.channels)
    window = 4 * opts.interval
    result = Result(
        name="alert_latency",
        title="6. Alert latency",
        command="python -m bench.alert_latency",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={
            "changes": opts.changes,
            "channels": opts.channels,
            "FSYNC_POLL_INTERVAL": opts.interval,
            "spread_over_s": window,
        },
    )
    rng = random.Random(opts.seed)
    latencies: list[float] = []
    missing: list[str] = []
    with procs.stack() as stack, TemporaryDirectory() as tmp:
        sim = stack.enter_context(procs.simulator("--workspaces", "200", "--seed", "9"))
        slack = stack.enter_context(procs.fake_slack(post_interval=1.0))
        bot = Bot(slack, sim, Path(tmp))
        if opts.interval == 30.0:
            bot.env.pop("FSYNC_POLL_INTERVAL")  # the default under test
        else:
            bot.env["FSYNC_POLL_INTERVAL"] = str(opts.interval)
        stack.enter_context(procs.running(bot))
        channels = [f"CLAT{g:04d}" for g in range(opts.channels)]
        for g, channel in enumerate(channels):
            subscribe(bot, slack, channel, f"ws-0{g:02d}*")
        listing = sim.api.get(f"{API}/workspaces").json()["workspaces"]
        healthy = {w["name"] for w in listing if w["status"] == "success"}
        plan: list[tuple[float, str, str]] = []
        for g, channel in enumerate(channels):
            group = sorted(n for n in healthy if n.startswith(f"ws-0{g:02d}"))
            for name in rng.sample(group, min(per_channel, len(group))):
                plan.append((rng.uniform(0, window), name, channel))
        plan = sorted(plan)[: opts.changes]
        changed: list[tuple[float, str, str]] = []
        origin, origin_wall = time.monotonic(), time.time()
        for offset, name, channel in plan:
            time.sleep(max(0.0, origin + offset - time.monotonic()))
            at = time.time()
            procs.set_state(sim, name, "failed", f"Error: latency probe {name}")
            changed.append((at, name, channel))
        deadline = time.monotonic() + opts.interval + 30
        found: dict[str, float] = {}
        pending: dict[str, list[tuple[float, str]]] = {}  # channel -> (changed at, workspace)
        for at, name, channel in changed:
            pending.setdefault(channel, []).append((at, name))
        scanned = 0
        while time.monotonic() < deadline and len(found) < len(changed):
            with slack.lock:
                new = slack.accepted[scanned:]
            scanned += len(new)
            # Each new post is looked at once: the fake Slack shares this process, and a
            # busy matcher would delay its answers and so the latencies it measures.
            for post in new:
                if post.method != "chat.postMessage":
                    continue
                waiting = [(at, n) for at, n in pending.get(post.channel, []) if n not in found]
                if not waiting:
                    continue
                text = json.dumps(post.args)
                for at, name in waiting:
                    if post.at >= at and name in text:
                        found[name] = post.at - at
            time.sleep(0.2)
        for _, name, _ in changed:
            if name in found:
                latencies.append(found[name])
            else:
                missing.append(name)
        # 429s while the routes were set up (fsync's test line, then its first cards) are
        # counted apart: they are not part of what is measured.
        throttled_at = [(round(at - origin_wall, 1), ch) for at, ch in slack.throttled_at]
        throttled = sum(1 for at, _ in throttled_at if at >= 0)
        # What went to those channels around each 429 (which posts came too close together).
        around = [
            [round(p.at - origin_wall, 2), p.method, p.channel, str(p.args.get("text", ""))[:60]]
            for p in slack.accepted
            if any(p.channel == ch and abs(p.at - origin_wall - at) < 3 for at, ch in throttled_at)
        ]
        setup_throttled = len(throttled_at) - throttled

    s = summary(latencies) if latencies else summary([float("inf")])
    result.table(
        f"Latency of {len(latencies)} alerts, poll interval {opts.interval:.0f} s",
        ["p50", "p99", "max", "min", "never posted", "429s"],
        [
            [
                f"{s['p50']:.1f} s",
                f"{s['p99']:.1f} s",
                f"{s['max']:.1f} s",
                f"{s['min']:.1f} s",
                len(missing),
                throttled,
            ]
        ],
    )
    buckets = [0] * 7
    for value in latencies:
        buckets[min(6, int(value // (opts.interval / 6)))] += 1
    step = opts.interval / 6
    result.table(
        "Distribution (a change waits for the next poll: uniform over one interval, then delivery)",
        ["latency", "changes"],
        [
            [f"{k * step:.0f}-{(k + 1) * step:.0f} s" if k < 6 else f"> {6 * step:.0f} s", n]
            for k, n in enumerate(buckets)
        ],
    )
    result.budget(
        f"p99 under the poll interval + 1 s ({opts.interval + 1:.0f} s)",
        f"p99 {s['p99']:.1f} s (p50 {s['p50']:.1f} s, max {s['max']:.1f} s); "
        f"{len(missing)} never posted",
        s["p99"] < opts.interval + 1 and not missing,
    )
    result.data = {
        "latencies": latencies,
        "summary": s,
        "missing": missing,
        "throttled": throttled,
        "throttled_at_s": throttled_at,
        "posts_around_429s": around,
    }
    if setup_throttled:
        result.notes.append(
            f"{setup_throttled} 429s while the channels subscribed (before the first change)"
        )
    result.show(result.write(opts.out))


if __name__ == "__main__":
    main()
