"""Benchmark 4, API budget: 10 simulated people issue commands continuously for 5 minutes while
the poller runs at its default interval.

The simulator serves 100 workspaces; fsync runs as `python -m bench.botwrap` (`fsync-bot run`
with its shared rate limiter watched, nothing else changed) with the default
FIRESTARTR_RATE_LIMIT (100 per minute) and the default FSYNC_POLL_INTERVAL (30 s). Ten threads,
one per person (each an operator in a channel of their own), loop: send a signed `/fsync`
command, wait for its answer (the response_url, or a post in their channel), think for 0.5 to
1.5 s, again. The commands are drawn from a fixed mix: `status` 30%, `status <ws>` 20%,
`conflicts` 15%, `config` 15%, `sync <ws>` 10%, `audit` 10%. That asks for several times more
than 100 Sync API requests a minute, so fsync's limiter is what decides.

Measured: Sync API requests per minute from the simulator's request log (`GET /_sim/requests`,
every /v1 request with its status and time), as calendar minutes since the start and as the
largest count in any sliding 60 s window (the simulator's own limit is such a window); 429s in
that log; and from the watched limiter, how long people's and the poller's requests waited for a
token, how many tokens the poller took, and how many it took while a person was waiting (the
definition of "a person waited behind the poller"). `--minutes` shortens the run.
"""

from __future__ import annotations

import bisect
import http.client
import json
import random
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench import common, procs
from bench.common import Result, ms, summary
from bench.procs import Bot, parse_at
from tests.support import slackreq

MIX = (
    ("status", 30),
    ("status <ws>", 20),
    ("conflicts", 15),
    ("config", 15),
    ("sync <ws>", 10),
    ("audit", 10),
)
WORKSPACES = ("staging", "dev", "networking", "data-platform", "billing-api", "ws-0042")
ANSWER_TIMEOUT = 45.0
INTERVAL = 30  # FSYNC_POLL_INTERVAL's default, which the run keeps


def person(
    i: int,
    port: int,
    slack: procs.CountingSlack,
    until: float,
    out: list[dict[str, Any]],
    seed: int,
) -> None:
    rng = random.Random(seed * 100 + i)
    kinds, weights = zip(*MIX, strict=True)
    user, channel = f"UPERSON{i:03d}", f"CPERSON{i:03d}"
    n = 0
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        text = kind.replace("<ws>", rng.choice(WORKSPACES))
        name = f"p{i}-{n}"
        n += 1
        body = slackreq.command_body(
            text, user=user, channel=channel, response_url=slack.response_url(name)
        )
        headers = {**slackreq.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        sent = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            reply = conn.getresponse()
            reply.read()
            status = reply.status
        except OSError:
            status = 0
        finally:
            conn.close()
        acked = time.time()
        answered = slack.wait_arrival([name, f"#{channel}"], sent, ANSWER_TIMEOUT)
        out.append(
            {
                "kind": kind,
                "status": status,
                "ack": acked - sent,
                "answer": None if answered is None else answered - sent,
            }
        )
        time.sleep(rng.uniform(0.5, 1.5))


def max_in_window(times: list[float], window: float = 60.0) -> tuple[int, float]:
    """The most requests in any sliding window, and where that window starts."""
    best, at = 0, times[0] if times else 0.0
    for k, start in enumerate(times):
        count = bisect.bisect_left(times, start + window) - k
        if count > best:
            best, at = count, start
    return best, at


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--minutes", type=float, default=5.0)
    args.add_argument("--people", type=int, default=10)
    args.add_argument("--seed", type=int, default=1)
    opts = args.parse_args()
    if opts.smoke:
        opts.minutes, opts.people = 0.05, 2
    result = Result(
        name="api_budget",
        title="4. API budget",
        command="python -m bench.api_budget --minutes 5",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={
            "minutes": opts.minutes,
            "people": opts.people,
            "FIRESTARTR_RATE_LIMIT": 100,
            "FSYNC_POLL_INTERVAL": INTERVAL,
            "mix": dict(MIX),
        },
    )
    commands: list[dict[str, Any]] = []
    with procs.stack() as stack, TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "limiter.json"
        sim = stack.enter_context(procs.simulator("--workspaces", "92", "--seed", "4"))
        slack = stack.enter_context(procs.fake_slack())
        bot = Bot(
            slack,
            sim,
            Path(tmp),
            argv=["-m", "bench.botwrap"],
            FSYNC_OPERATORS="*",
            BENCH_LIMITER_STATS=str(stats_path),
        )
        # The defaults under test: no override of the poll interval or the rate limit.
        for name in ("FSYNC_POLL_INTERVAL", "FIRESTARTR_RATE_LIMIT"):
            bot.env.pop(name, None)
        stack.enter_context(procs.running(bot))
        started = time.time()
        until = time.monotonic() + opts.minutes * 60
        threads = [
            threading.Thread(
                target=person, args=(i, bot.port, slack, until, commands, opts.seed), daemon=True
            )
            for i in range(opts.people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=opts.minutes * 60 + ANSWER_TIMEOUT + 10)
        ended = time.time()
        log = [r for r in sim.requests() if r["path"].startswith("/v1/")]
        bot.stop()  # writes the limiter's last numbers
        limiter = json.loads(stats_path.read_text())[0] if stats_path.exists() else {}

    times = sorted(parse_at(r["at"]) for r in log)
    in_run = [t for t in times if t >= started]
    minutes = max(1, round((ended - started) / 60))
    per_minute = [
        sum(1 for t in in_run if started + 60 * m <= t < started + 60 * (m + 1))
        for m in range(minutes)
    ]
    peak, peak_at = max_in_window(times)
    throttled = sum(1 for r in log if r["status"] == 429)
    waits = limiter.get("waits", {"person": [], "poller": []})
    person_wait, poller_wait = summary(waits["person"]), summary(waits["poller"])
    ahead = limiter.get("poller_ahead_of_person", -1)
    lane = limiter.get("lane_while_person_waited", 0)
    polls = [at for at, who in limiter.get("grants", []) if who == "poller" and at >= started]
    gap = max((b - a for a, b in zip([started, *polls], [*polls, ended], strict=True)), default=0)
    answered = [c["answer"] for c in commands if c["answer"] is not None]
    lost = sum(1 for c in commands if c["answer"] is None and c["kind"] != "audit")
    acks = summary([c["ack"] for c in commands])
    limit = 100
    result.table(
        "Sync API requests (simulator's log)",
        ["measure", "value"],
        [
            ["requests in the run", len(in_run)],
            ["per calendar minute", ", ".join(str(n) for n in per_minute)],
            ["most in any sliding 60 s", f"{peak} (from {peak_at - started:+.0f} s)"],
            ["429 answers", throttled],
            ["mean per minute", f"{len(in_run) / max(ended - started, 1) * 60:.1f}"],
        ],
    )
    by_kind: dict[str, list[float]] = {}
    for c in commands:
        if c["answer"] is not None:
            by_kind.setdefault(c["kind"], []).append(c["answer"])
    result.table(
        "People's commands: time from sending to the answer",
        ["command", "n", "p50", "p99", "max"],
        [
            [kind, len(v), ms(summary(v)["p50"]), ms(summary(v)["p99"]), ms(summary(v)["max"])]
            for kind, v in sorted(by_kind.items())
        ],
    )
    result.table(
        "The shared rate limiter (tokens taken; wait before each)",
        ["who", "tokens", "waited at all", "wait p50", "wait p99", "wait max", "gave up"],
        [
            [
                who,
                s["n"],
                sum(1 for w in waits[who] if w > 0.001),
                ms(s["p50"]),
                ms(s["p99"]),
                ms(s["max"]),
                limiter.get("refused", {}).get(who, 0),
            ]
            for who, s in (("person", person_wait), ("poller", poller_wait))
        ],
    )
    result.budget(
        "never above FIRESTARTR_RATE_LIMIT (100/min)",
        f"at most {peak} in any 60 s; {len(in_run) / max(ended - started, 1) * 60:.0f}/min mean",
        peak <= limit,
    )
    result.budget("zero 429s", f"{throttled} 429s", throttled == 0)
    result.budget(
        "people never wait behind the poller",
        f"{ahead} poller tokens from people's budget taken while a person waited ({lane} from "
        f"the poller's own lane of 4/min); people's wait p99 {ms(person_wait['p99'])}, "
        f"poller's {ms(poller_wait['p50'])} median",
        ahead == 0,
    )
    result.budget(
        "(fsync's own) alerts go on under load: no gap between polls over 2 intervals",
        f"{len(polls)} poller requests; longest gap {gap:.0f} s",
        gap <= 2 * INTERVAL + 5,
    )
    result.data = {
        "log": [[round(parse_at(r["at"]) - started, 3), r["method"], r["status"]] for r in log],
        "per_minute": per_minute,
        "peak_60s": peak,
        "throttled": throttled,
        "commands": len(commands),
        "answered": len(answered),
        "unanswered_api_commands": lost,
        "ack": acks,
        "person_wait": person_wait,
        "poller_wait": poller_wait,
        "poller_tokens": poller_wait["n"],
        "poller_ahead_of_person": ahead,
        "lane_while_person_waited": lane,
        "longest_poll_gap_s": gap,
    }
    if lost:
        result.notes.append(f"{lost} commands got no answer within {ANSWER_TIMEOUT:.0f} s")
    result.show(result.write(opts.out))


if __name__ == "__main__":
    main()
