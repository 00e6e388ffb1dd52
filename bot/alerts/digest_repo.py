"""The digest_schedules table (bot/migrations.py m007_digest_schedules): one schedule per channel.

Functions take the `Db` of the calling thread, like bot/alerts/repo.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.core.schedule import Every, Schedule
from bot.engine import Db
from bot.sql import replace_into
from bot.times import iso


@dataclass(frozen=True)
class Scheduled:
    channel: str
    schedule: Schedule
    user_id: str  # who set it
    since: datetime  # when: due times before it are not posted


def _row(channel: str, every: str, at: str, zone: str, user: str | None, since: str) -> Scheduled:
    schedule = Schedule(Every(every), time.fromisoformat(at), zone)
    return Scheduled(channel, schedule, user or "", datetime.fromisoformat(since))


def get(db: Db, channel: str) -> Scheduled | None:
    found = db.execute(
        "SELECT channel, every, at, zone, user_id, since FROM digest_schedules WHERE channel = ?",
        [channel],
    ).fetchone()
    return _row(*found) if found else None


def every_schedule(db: Db) -> list[Scheduled]:
    rows = db.execute(
        "SELECT channel, every, at, zone, user_id, since FROM digest_schedules ORDER BY channel"
    ).fetchall()
    return [_row(*row) for row in rows]


def put(db: Db, channel: str, schedule: Schedule, user: str, since: datetime) -> None:
    db.execute(
        replace_into("digest_schedules", "channel, every, at, zone, user_id, since", "channel"),
        [channel, schedule.every, f"{schedule.at:%H:%M}", schedule.zone, user, iso(since)],
    )


def remove(db: Db, channel: str) -> bool:
    cursor = db.execute("DELETE FROM digest_schedules WHERE channel = ?", [channel])
    return cursor.rowcount > 0
