"""Benchmark 1, acknowledgement: 50 concurrent signed `/fsync status` and `/fsync sync` requests
against the HTTP endpoint while the simulator answers every request after 2 s.

Two servers run side by side in the same benchmark: `fsync-bot run` (HTTP mode, uvicorn, pointed
at the simulator with a 2 s latency fault and at a fake Slack), and a bare Bolt app that only acks
(`bench/bare_app.py`: same signing secret, same Starlette/uvicorn wrapper). Rounds alternate
between the two (which one goes first alternates too); each round fires 50 requests at once from
50 threads released by a barrier, half `status`, half `sync <workspace>` (every user an operator,
so syncs are really started). A request's ack time is from just before it is sent (a new
loopback connection, like Slack's) to its full HTTP answer. After each round the benchmark waits
for the API's latency plus 1 s and then until fsync, the bare app and the simulator are idle
(their CPU time stops growing), so every round of either server starts on a quiet machine.
Percentiles are nearest-rank over every request of every round, the first (cold) round included.
"""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory

from bench import common, procs
from bench.common import Result, ms, summary
from bench.procs import Bot
from tests.support import slackreq
from tests.support.botproc import free_port

WORKSPACES = ("staging", "dev", "networking", "data-platform", "observability", "billing-api")


def fire(
    pool: ThreadPoolExecutor, port: int, count: int, slack_url: str
) -> list[tuple[int, float]]:
    """`count` signed /fsync requests at once; (HTTP status, seconds to the answer) each."""
    bodies = []
    for i in range(count):
        text = "status" if i % 2 == 0 else f"sync {WORKSPACES[i % len(WORKSPACES)]}"
        body = slackreq.command_body(
            text,
            user=f"UBENCH{i:04d}",
            channel="CBENCH0001",
            response_url=f"{slack_url}/response/ack-{i}",
        )
        bodies.append(body)
    barrier = threading.Barrier(count)

    def one(body: str) -> tuple[int, float]:
        headers = {**slackreq.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        started = time.perf_counter()
        try:
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            answer = conn.getresponse()
            answer.read()
            status = answer.status
        except OSError:
            status = 0
        elapsed = time.perf_counter() - started
        conn.close()
        return status, elapsed

    return list(pool.map(one, bodies))


def wait_idle(
    pids: list[int], *, quiet: float = 0.05, window: float = 0.5, limit: float = 15.0
) -> float:
    """Wait until the processes together use under `quiet` of a core over `window`."""
    started = time.monotonic()

    def cpu() -> float:
        return sum(common.proc_cpu_seconds(pid) or 0.0 for pid in pids)

    before = cpu()
    while time.monotonic() - started < limit:
        time.sleep(window)
        now = cpu()
        if now - before < quiet * window:
            break
        before = now
    return time.monotonic() - started


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--rounds", type=int, default=8, help="rounds per server")
    args.add_argument("--concurrency", type=int, default=50)
    args.add_argument("--latency-ms", type=int, default=2000)
    opts = args.parse_args()
    if opts.smoke:
        opts.rounds, opts.concurrency = 1, 6
    result = Result(
        name="ack",
        title="1. Acknowledgement under a slow API",
        command="python -m bench.ack",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={
            "rounds_per_server": opts.rounds,
            "concurrency": opts.concurrency,
            "api_latency_ms": opts.latency_ms,
            "commands": "half `status`, half `sync <workspace>`",
        },
    )
    times: dict[str, list[float]] = {"fsync": [], "bare": []}
    statuses: dict[str, list[int]] = {"fsync": [], "bare": []}
    per_round: list[list[object]] = []
    with procs.stack() as stack, TemporaryDirectory() as tmp:
        sim = stack.enter_context(procs.simulator())
        slack = stack.enter_context(procs.fake_slack())
        bot = stack.enter_context(
            procs.running(
                Bot(slack, sim, Path(tmp), FSYNC_OPERATORS="*", FSYNC_LOG_LEVEL="WARNING")
            )
        )
        bare_port = free_port()
        bare = stack.enter_context(
            procs.subprocess_server(
                [
                    "-m",
                    "bench.bare_app",
                    "--port",
                    str(bare_port),
                    "--slack-api-url",
                    slack.api_url,
                ],
                bare_port,
            )
        )
        sim.control("POST", "/_sim/faults", json={"latency_ms": opts.latency_ms}).raise_for_status()
        pool = stack.enter_context(ThreadPoolExecutor(opts.concurrency))
        ports = {"fsync": bot.port, "bare": bare_port}
        pids = [bot.pid(), bare.pid, sim.proc.pid if sim.proc else 0]
        for n in range(opts.rounds):
            order = ["fsync", "bare"] if n % 2 == 0 else ["bare", "fsync"]
            for name in order:
                started = time.monotonic()
                answers = fire(pool, ports[name], opts.concurrency, slack.url)
                took = [t for _, t in answers]
                times[name] += took
                statuses[name] += [s for s, _ in answers]
                s = summary(took)
                per_round.append([n + 1, name, ms(s["p50"]), ms(s["p99"]), ms(s["max"])])
                # A quiet machine for each round: fsync's answers land after the API's latency.
                settle = opts.latency_ms / 1000 + 1.0 - (time.monotonic() - started)
                time.sleep(max(0.0, settle) if not opts.smoke else 0.0)
                wait_idle(pids)
        sim.control("POST", "/_sim/faults", json={}).raise_for_status()
        answered = len(slack.of("response_url"))
        bot_log_errors = [line for line in bot.log().splitlines() if "ERROR" in line][:5]

    fs, bare = summary(times["fsync"]), summary(times["bare"])
    ratio = fs["p99"] / bare["p99"] if bare["p99"] else float("inf")
    bad = {k: sum(1 for s in v if s != 200) for k, v in statuses.items()}
    result.table(
        "Ack time over every request (nearest-rank percentiles)",
        ["server", "requests", "p50", "p99", "max", "non-200"],
        [
            ["fsync", fs["n"], ms(fs["p50"]), ms(fs["p99"]), ms(fs["max"]), bad["fsync"]],
            [
                "bare Bolt app",
                bare["n"],
                ms(bare["p50"]),
                ms(bare["p99"]),
                ms(bare["max"]),
                bad["bare"],
            ],
        ],
    )
    result.table("Per round", ["round", "server", "p50", "p99", "max"], per_round)
    result.budget(
        "no ack over 3 s, ever", f"max {ms(fs['max'])}", fs["max"] < 3.0 and bad["fsync"] == 0
    )
    result.budget("p99 under 300 ms", f"p99 {ms(fs['p99'])} (p50 {ms(fs['p50'])})", fs["p99"] < 0.3)
    result.budget(
        "fsync p99 within 1.5x the bare app's",
        f"{ratio:.2f}x ({ms(fs['p99'])} vs {ms(bare['p99'])}; p50 {fs['p50'] / bare['p50']:.2f}x)",
        ratio <= 1.5,
    )
    result.data = {
        "fsync": fs,
        "bare": bare,
        "p99_ratio": ratio,
        "non_200": bad,
        "answers_received": answered,
        "bot_errors": bot_log_errors,
    }
    if bot_log_errors:
        result.notes.append(f"bot logged errors: {bot_log_errors}")
    result.show(result.write(opts.out))


if __name__ == "__main__":
    main()
