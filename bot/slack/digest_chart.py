"""The picture a scheduled digest carries: the fleet's heat map (the worst 20 workspaces by UTC
day, coloured by time broken) of the 7 days that end with the digest's due instant, drawn from
the history the poller keeps. A daily digest shows its day among the week before it, so a
workspace broken every day stands out from one broken once."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.alerts import history, history_repo
from bot.alerts.uploads import Picture
from bot.store import Store

DAYS = 7


def digest_picture(store: Store, until: datetime) -> Picture | None:
    """The chart of the 7 days up to `until`, or None when nobody was broken (no picture)."""
    # matplotlib costs about 0.7 s and 30 MB to import: only a digest with something to draw
    # needs it, so only this call loads it (a bot starts without it: tests/slack/test_charts.py).
    from bot.slack.charts import NothingToDraw, broken_heatmap

    since = history.period_start(until, DAYS)
    broken = history.broken_by_day(history_repo.episodes(store.db, None, since), until, DAYS)
    days = [f"{since + timedelta(days=n):%a %d}" for n in range(DAYS)]
    title = f"Time broken by workspace, {DAYS} days to {until:%a %d %b %H:%M} UTC"
    chart = broken_heatmap(broken, days, title=title)
    if isinstance(chart, NothingToDraw):
        return None
    shown = ", ".join(chart.workspaces[:5])
    more = len(chart.workspaces) - 5
    alt = f"Heat map of the {len(chart.workspaces)} workspaces broken longest: {shown}"
    return Picture(chart.png, title, alt + (f" and {more} more" if more > 0 else ""))
