"""The `fsync-bot` command line: run | demo | simulator | check."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import __version__, redact


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError("give between 1 and 3600 seconds, e.g. 5")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsync-bot",
        description="fsync: watch and steer Firestartr Pro Terraform sync from Slack.",
    )
    parser.add_argument("--version", action="version", version=f"fsync-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser(
        "run", help="start the Slack bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)"
    )

    demo = sub.add_parser(
        "demo", help="try fsync in the terminal: simulator + bot, no Slack needed"
    )
    demo.add_argument("--db", default=None, help="SQLite file to use (default: a temporary one)")
    demo.add_argument(
        "--as",
        dest="role",
        choices=["viewer", "operator", "admin"],
        default="admin",
        help="the role you play (default: admin)",
    )
    demo.add_argument(
        "--poll-interval",
        type=_seconds,
        default=5.0,
        help="seconds between the alert poller's looks at the fleet (default: 5)",
    )

    sim = sub.add_parser("simulator", help="serve a simulated Firestartr Sync API")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8081, help="0 picks a free port (printed)")
    sim.add_argument(
        "--api-key",
        default=None,
        help="the Bearer key it accepts (default: FIRESTARTR_API_KEY, else 'demo')",
    )
    sim.add_argument(
        "--workspaces",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic workspaces (ws-0001 ...) to the default fleet",
    )
    sim.add_argument("--seed", type=int, default=0, metavar="S")
    sim.add_argument(
        "--sync-seconds",
        type=float,
        default=2.0,
        metavar="X",
        help="how long each sync run takes (default 2)",
    )
    sim.add_argument(
        "--failure-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="chance that a scheduled run fails, 0..1 (default 0)",
    )
    sim.add_argument(
        "--plan-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="chance that a run of an auto_apply:false workspace plans changes that wait for"
        " approval, 0..1 (default 0)",
    )
    sim.add_argument(
        "--approval-timeout",
        type=float,
        default=1800.0,
        metavar="S",
        help="seconds a plan waits for approval before it expires (default 1800)",
    )

    sub.add_parser("check", help="check the settings, the Sync API and Slack, and say what works")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # `check` says everything in its report; library log lines would only repeat it.
    quiet = "CRITICAL" if args.command == "check" else "INFO"
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=os.environ.get("FSYNC_LOG_LEVEL", quiet).upper(), format=log_format)
    redact.install(log_format)  # no user:password of a URL in any log line
    # httpx logs every request at INFO: too chatty for a bot that polls.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "simulator":
        from bot.simulator import serve

        for flag, rate in (("--failure-rate", args.failure_rate), ("--plan-rate", args.plan_rate)):
            if not 0.0 <= rate <= 1.0:
                print(f"fsync-bot simulator: {flag} must be between 0 and 1", file=sys.stderr)
                return 2
        if args.approval_timeout <= 0:
            print("fsync-bot simulator: --approval-timeout must be above 0", file=sys.stderr)
            return 2
        serve(
            host=args.host,
            port=args.port,
            api_key=args.api_key or os.environ.get("FIRESTARTR_API_KEY") or "demo",
            workspaces=args.workspaces,
            seed=args.seed,
            sync_seconds=args.sync_seconds,
            failure_rate=args.failure_rate,
            plan_rate=args.plan_rate,
            approval_timeout=args.approval_timeout,
        )
        return 0
    if args.command == "check":
        from bot.check import run_check

        return run_check()
    if args.command == "run":
        from bot.app import run_bot

        return run_bot()
    if args.command == "demo":
        from bot.console import run_demo

        return run_demo(db=args.db, role=args.role, poll_interval=args.poll_interval)
    _parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
