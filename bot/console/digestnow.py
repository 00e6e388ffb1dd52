"""`digest now` in the demo: the digest of the last 7 days as a channel would get it, and the
fleet's chart (the worst 20 workspaces by day, coloured by time broken) saved as a PNG whose path
is printed, since a terminal cannot show it."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from bot.alerts import history, history_repo
from bot.console.screen import ALERTS
from bot.console.session import Demo
from bot.slack.report_views import quiet_line, report_message

DAYS = 7


def digest_now(demo: Demo, folder: Path | None = None) -> Path | None:
    """Show the digest; save its chart into `folder` (the system's temporary folder: it outlives
    the demo's own). The chart's path, or None when there was nothing to draw."""
    # matplotlib costs about 0.7 s and 30 MB to import: only this verb needs it, so only this
    # verb loads it (as bot/__main__.py loads each subcommand's modules).
    from bot.slack.charts import NothingToDraw, broken_heatmap

    deps = demo.deps
    assert deps.digests is not None  # the demo is built with every feature
    title = f"Digest: the last {DAYS} days"
    report = deps.digests.report(DAYS)
    message = quiet_line(title) if report.quiet else report_message(report, title)
    demo.render.show("#fsync-alerts · digest", message, {"kind": "message", "channel": ALERTS})
    now = deps.clock()
    since = history.period_start(now, DAYS)
    broken = history.broken_by_day(history_repo.episodes(deps.store.db, None, since), now, DAYS)
    days = [f"{since + timedelta(days=n):%a %d}" for n in range(DAYS)]
    chart = broken_heatmap(broken, days, title=f"Time broken, the last {DAYS} days")
    if isinstance(chart, NothingToDraw):
        demo.say(f"No chart: {chart.reason}.", style="dim")
        return None
    path = (folder or Path(tempfile.gettempdir())) / f"fsync-digest-{now:%Y%m%d-%H%M%S}.png"
    path.write_bytes(chart.png)
    demo.say(f"Chart ({', '.join(chart.workspaces[:3])}…): saved to {path}")
    return path
