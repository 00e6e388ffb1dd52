"""The alert routing tables (bot/migrations.py m002_alerts): routes, disabled channels, mutes;
this module is the only one that reads or writes them.

Functions take the `Db` of the calling thread, as in bot/alerts/repo.py (the
snapshot, the episodes and one tick's writes), so a change shares the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.alerts.model import Mute, Route
from bot.engine import Db
from bot.sql import insert_new, replace_into
from bot.times import iso, now_iso


def routes(db: Db, default_channel: str | None) -> list[Route]:
    found = [Route(default_channel, "*", default=True)] if default_channel else []
    for channel, glob, events, by in db.execute(
        "SELECT channel, glob, events, created_by FROM alert_routes ORDER BY channel, glob"
    ).fetchall():
        chosen = frozenset(e for e in (events or "").split(",") if e)
        found.append(Route(channel, glob, chosen, created_by=by or ""))
    return found


def disabled_channels(db: Db) -> dict[str, str]:
    rows = db.execute("SELECT channel, disabled_reason FROM alert_channels").fetchall()
    return {channel: reason or "" for channel, reason in rows}


def route_events(db: Db, channel: str, glob: str) -> frozenset[str] | None:
    """The events a channel's route for `glob` carries (empty: all of them); None: no route."""
    row = db.execute(
        "SELECT events FROM alert_routes WHERE channel = ? AND glob = ?", [channel, glob]
    ).fetchone()
    return None if row is None else frozenset(e for e in (row[0] or "").split(",") if e)


def widened(current: frozenset[str] | None, events: Sequence[str]) -> tuple[str, ...]:
    """The events of a route after subscribing to `events` again: more kinds, never fewer
    (none named, or a route that has them all already, means all)."""
    if not events or current == frozenset():
        return ()
    return tuple(sorted((current or frozenset()) | set(events)))


def add_route(db: Db, channel: str, glob: str, events: Sequence[str], by: str) -> tuple[str, ...]:
    """Add a route, or add `events` to the one this channel has for `glob`; its events now."""
    chosen = widened(route_events(db, channel, glob), events)
    db.execute(
        replace_into(
            "alert_routes", "channel, glob, events, created_by, created_at", "channel, glob"
        ),
        [channel, glob, ",".join(chosen), by, now_iso()],
    )
    db.execute("DELETE FROM alert_channels WHERE channel = ?", [channel])
    return chosen


def remove_route(
    db: Db, channel: str, glob: str, events: Sequence[str] = (), every: Sequence[str] = ()
) -> tuple[str, ...] | None:
    """Take `events` off the channel's route for `glob` (all of them when none are named; a
    route left with none goes). The events it still carries, () when it is gone; None when
    there was nothing to take off. `every`: all the event kinds, for a route that has them all.
    """
    current = route_events(db, channel, glob)
    if current is None:
        return None
    left = set(current or every) - set(events) if events else set()
    if events and left == set(current or every):
        return None  # none of those events was routed here
    if not left:
        db.execute("DELETE FROM alert_routes WHERE channel = ? AND glob = ?", [channel, glob])
        return ()
    db.execute(
        "UPDATE alert_routes SET events = ? WHERE channel = ? AND glob = ?",
        [",".join(sorted(left)), channel, glob],
    )
    return tuple(sorted(left))


def mutes(db: Db) -> list[Mute]:
    rows = db.execute(
        "SELECT glob, until, reason, user_id, reminded FROM alert_mutes ORDER BY until"
    ).fetchall()
    return [
        Mute(glob, datetime.fromisoformat(until), reason or "", user or "", bool(reminded))
        for glob, until, reason, user, reminded in rows
    ]


def add_mute(db: Db, glob: str, until: datetime, reason: str, by: str) -> None:
    db.execute(
        replace_into("alert_mutes", "glob, until, reason, user_id, created_at, reminded", "glob"),
        [glob, iso(until), reason, by, now_iso(), 0],
    )


def end_mute(db: Db, glob: str, now: datetime) -> bool:
    """End an active mute now; the poller then reminds of what is still broken."""
    cursor = db.execute(
        "UPDATE alert_mutes SET until = ? WHERE glob = ? AND until > ?",
        [iso(now), glob, iso(now)],
    )
    return cursor.rowcount > 0


def mark_reminded(db: Db, reminded: Sequence[Mute]) -> None:
    """These mutes ran out and the poller has reminded of what is still broken under them."""
    db.conn.executemany(
        "UPDATE alert_mutes SET reminded = 1 WHERE glob = ? AND until = ?",
        [(m.glob, iso(m.until)) for m in reminded],
    )


def disable_channel(db: Db, channel: str, reason: str, *, keep_earlier: bool = False) -> None:
    """Routes to `channel` are off, for `reason` (`keep_earlier`: a reason already there stays)."""
    columns = "channel, disabled_reason, disabled_at"
    db.execute(
        insert_new("alert_channels", columns)
        if keep_earlier
        else replace_into("alert_channels", columns, "channel"),
        [channel, reason, now_iso()],
    )


def enable_channel(db: Db, channel: str) -> bool:
    """Routes to `channel` are on again; True if they had been off."""
    return db.execute("DELETE FROM alert_channels WHERE channel = ?", [channel]).rowcount > 0
