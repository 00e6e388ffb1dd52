"""Benchmark 5, big fleets in Slack: `/fsync status` and the App Home with 10,000 workspaces.

The simulator serves 10,000 workspaces (its eight hand-made ones plus 9,992 synthetic ones, about
3% of them failed) with no added latency; `fsync-bot run` (HTTP mode) points at it and at a fake
Slack that validates every Block Kit payload it receives (`slack_sdk.models.blocks`, block
counts, text fallbacks) and stamps its arrival. Requests alternate: a signed `/fsync status`
(time from its HTTP ack to the answer arriving at the response_url), then a signed
`app_home_opened` event (time from its ack to the `views.publish` call). Every request waits for
its answer before the next one is sent, so each one is measured alone; the first of each is a
cold start (fsync has no cached fleet yet and reads the 2.3 MB listing). The answer's size is
the JSON body Slack received, in bytes, and its block count. "Problems visible" means: the
title's "N need attention" equals the failed + conflict + stalled count computed from the
simulator's own listing, and the first status page and the Home tab list problems before anything
else (with 10,000 workspaces there are more problems than fit, so not one healthy workspace may
take a problem's place), and the Home tab says how many problems it could not show.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench import common, procs
from bench.common import Result, ms, summary
from bench.procs import API, Bot
from bot.core.fleet import is_problem
from bot.firestartr.models import Workspace
from tests.support import slackreq
from tests.support.botproc import VIEWER

HAND_MADE = 8


def expected_problems(sim: procs.SimProcess) -> tuple[int, set[str]]:
    listing = sim.api.get(f"{API}/workspaces").json()["workspaces"]
    now = datetime.now(UTC)
    problems = {ws.name for ws in map(Workspace.model_validate, listing) if is_problem(ws, now)}
    return len(listing), problems


def lines_of(blocks: list[dict[str, Any]]) -> list[str]:
    """The workspace names shown as `*name*` in section blocks, in order."""
    names = []
    for block in blocks:
        texts = []
        if block.get("type") == "section":
            texts.append((block.get("text") or {}).get("text", ""))
        texts += [f.get("text", "") for f in block.get("fields") or []]
        for text in texts:
            names += re.findall(r"\*((?:ws-\d+)|[a-z][a-z-]+)\*", text)
    return names


def problems_first(shown: list[str], problems: set[str]) -> bool:
    """Every problem comes before any healthy workspace, and none is left out of the page."""
    k = sum(1 for name in shown if name in problems)
    return all(name in problems for name in shown[:k]) and k in (len(shown), len(problems))


def status_once(bot: Bot, slack: procs.CountingSlack, n: int) -> dict[str, Any]:
    name = f"big-status-{n}"
    body = slackreq.command_body(
        "status", user=VIEWER, channel="CBIG0001", response_url=slack.response_url(name)
    )
    answer = bot.post(body)
    acked = time.time()
    (call,) = slack.wait_for(
        "response_url", lambda c: c.args["_path"].endswith("/" + name), timeout=30
    )
    args = {k: v for k, v in call.args.items() if k != "_path"}
    return {
        "status": answer.status_code,
        "after_ack": call.at - acked,
        "bytes": len(json.dumps(args).encode()),
        "blocks": len(args.get("blocks") or []),
        "title": args.get("text", ""),
        "payload": args,
    }


def home_once(bot: Bot, slack: procs.CountingSlack, n: int) -> dict[str, Any]:
    user = f"UHOME{n:04d}"
    before = len(slack.of("views.publish"))
    answer = bot.post(json.dumps(slackreq.home_opened(user)), content_type="application/json")
    acked = time.time()
    calls = slack.wait_for(
        "views.publish", lambda c: c.args.get("user_id") == user, count=1, timeout=30
    )
    call = calls[-1]
    assert len(slack.of("views.publish")) > before
    view = call.args.get("view") or {}
    return {
        "status": answer.status_code,
        "after_ack": call.at - acked,
        "bytes": len(json.dumps(call.args).encode()),
        "blocks": len(view.get("blocks") or []),
        "payload": view,
    }


def main() -> None:
    args = common.parser(__doc__)
    args.add_argument("--workspaces", type=int, default=10_000)
    args.add_argument("--repeat", type=int, default=10, help="requests of each kind")
    opts = args.parse_args()
    if opts.smoke:
        opts.workspaces, opts.repeat = 60, 2
    result = Result(
        name="big_fleet",
        title="5. Big fleets in Slack",
        command="python -m bench.big_fleet",
        method=__doc__ or "",
        smoke=opts.smoke,
        params={"workspaces": opts.workspaces, "requests_of_each_kind": opts.repeat},
    )
    synthetic = max(0, opts.workspaces - HAND_MADE)
    statuses: list[dict[str, Any]] = []
    homes: list[dict[str, Any]] = []
    with procs.stack() as stack, TemporaryDirectory() as tmp:
        sim = stack.enter_context(procs.simulator("--workspaces", str(synthetic), "--seed", "5"))
        slack = stack.enter_context(procs.fake_slack())
        bot = stack.enter_context(procs.running(Bot(slack, sim, Path(tmp))))
        total, problems = expected_problems(sim)
        for n in range(opts.repeat):
            # Scheduled syncs go on in the simulator: the right count is the one before or after.
            before = len(expected_problems(sim)[1])
            statuses.append(status_once(bot, slack, n))
            total, problems = expected_problems(sim)
            statuses[-1]["expected"] = sorted({before, len(problems)})
            homes.append(home_once(bot, slack, n))
        invalid = list(slack.invalid)
    st = summary([r["after_ack"] for r in statuses])
    ho = summary([r["after_ack"] for r in homes])
    ok_http = all(r["status"] == 200 for r in statuses + homes)

    # Problems visible: the count is right and no healthy workspace is shown in their place.
    page1, home = statuses[-1]["payload"], homes[-1]["payload"]
    shown_status = lines_of(page1.get("blocks") or [])
    shown_home = lines_of(home.get("blocks") or [])
    count_ok = all(
        any(
            f"{n} need attention" in r["title"]
            for n in range(r["expected"][0], r["expected"][-1] + 1)
        )
        for r in statuses
    )
    status_only_problems = bool(shown_status) and problems_first(shown_status, problems)
    home_only_problems = all(n in problems for n in shown_home) and (
        len(shown_home) > 0 or not problems
    )
    home_says_more = len(problems) <= len(shown_home) or "more problems" in json.dumps(home)
    visible = count_ok and status_only_problems and home_only_problems and home_says_more

    def row(kind: str, runs: list[dict[str, Any]], s: dict[str, float]) -> list[Any]:
        return [
            kind,
            s["n"],
            ms(runs[0]["after_ack"]),
            ms(s["p50"]),
            ms(s["p99"]),
            ms(s["max"]),
            f"{max(r['bytes'] for r in runs) / 1024:.1f} KiB",
            max(r["blocks"] for r in runs),
        ]

    result.table(
        f"Time from ack to answer, {total:,} workspaces ({len(problems)} problems)",
        ["answer", "n", "first (cold)", "p50", "p99", "max", "size", "blocks"],
        [row("/fsync status", statuses, st), row("App Home", homes, ho)],
    )
    result.table(
        "What the answers show",
        ["answer", "workspaces listed", "problems first", "notes"],
        [
            [
                "/fsync status page 1",
                len(shown_status),
                status_only_problems,
                f"title: {page1.get('text', '')[:90]}",
            ],
            ["App Home", len(shown_home), home_only_problems, "says how many more problems"],
        ],
    )
    slowest = max(st["max"], ho["max"])
    result.budget(
        "under 1 s after ack (prompt API)",
        f"status p50 {ms(st['p50'])}, max {ms(st['max'])}; "
        f"Home p50 {ms(ho['p50'])}, max {ms(ho['max'])}",
        slowest < 1.0 and ok_http,
    )
    result.budget(
        "valid Block Kit",
        f"{len(invalid)} refused by the fake Slack; status {max(r['blocks'] for r in statuses)} "
        f"blocks (limit 50), Home {max(r['blocks'] for r in homes)} (limit 100)",
        not invalid,
    )
    result.budget(
        "the problems always visible",
        f"count right: {count_ok}; problems first on status page 1 and on Home: "
        f"{status_only_problems and home_only_problems}",
        visible,
    )
    result.data = {
        "workspaces": total,
        "problems": len(problems),
        "status": st,
        "home": ho,
        "status_runs": [{k: v for k, v in r.items() if k != "payload"} for r in statuses],
        "home_runs": [{k: v for k, v in r.items() if k != "payload"} for r in homes],
        "invalid": invalid,
    }
    result.show(result.write(opts.out))


if __name__ == "__main__":
    main()
