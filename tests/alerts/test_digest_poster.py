"""Scheduled digests (bot/alerts/digest_poster.py): due on the channel's wall clock, queued once
per period through the outbox and the lease, posted once by the sender, and not again after a
restart or by a second process; a quiet period gets one line."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from bot.alerts import digest_repo, outbox
from bot.alerts.digest_poster import DigestPoster
from bot.alerts.lease import Lease
from bot.alerts.report import Reports
from bot.alerts.sender import Sender
from bot.alerts.slackcalls import sender_client
from bot.core.schedule import Every, Schedule
from bot.slack import alert_notices, report_views
from bot.store import Store
from tests.alerts.blockkit import assert_valid
from tests.alerts.historyslack import HistorySlack
from tests.support.episodes import record_failure

CHANNEL = "CDIGEST01"
SET_AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday; 09:00 in Madrid
MADRID_10 = Schedule(Every.DAILY, clock_time(10, 0), "Europe/Madrid")  # 09:00 UTC in winter


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Process:
    """What one fsync process runs for digests: its lease, poster and sender, on a shared file."""

    def __init__(self, path: Path | str, slack: HistorySlack, clock: Clock) -> None:
        self.store = Store(path)
        self.lease = Lease(self.store, ttl=30)
        self.poster = DigestPoster(
            self.store,
            self.lease,
            Reports(self.store, clock),
            render=report_views.report_message,
            quiet=report_views.quiet_line,
            clock=clock,
        )
        self.sender = Sender(
            self.store,
            sender_client("xoxb-test", slack.api_url),
            self.lease,
            default_channel="CALERTS",
            admins=["UADMIN001"],
            notices=alert_notices,
            pace=0.0,
        )

    def tick_and_send(self) -> None:
        self.poster.iteration()
        deadline = time.monotonic() + 10
        while outbox.unsent(self.store.db):
            assert time.monotonic() < deadline, "the outbox did not drain"
            time.sleep(min(self.sender.step(), 0.02))


def schedule(store: Store, sched: Schedule, since: datetime = SET_AT) -> None:
    with store.transaction() as db:
        digest_repo.put(db, CHANNEL, sched, "UOPER0001", since)


def digests(slack: HistorySlack) -> list[str]:
    return [p["text"] for p in slack.posts(CHANNEL)]


def test_due_once_per_period_across_a_restart_and_a_second_process(
    database: str, slack: HistorySlack
) -> None:
    clock = Clock(SET_AT)
    first = Process(database, slack, clock)
    assert first.lease.renew()
    schedule(first.store, MADRID_10)

    first.tick_and_send()  # 08:00 UTC: not due yet
    assert digests(slack) == []

    clock.now = SET_AT + timedelta(hours=1, seconds=3)  # 10:00:03 in Madrid
    first.tick_and_send()
    first.tick_and_send()  # again in the same period: nothing more
    assert digests(slack) == [
        ":white_check_mark: Daily fsync digest, 2026-11-30: nothing to report, "
        "no failure, conflict or stall."
    ]

    # A deploy: a second process waits while the first holds the lease ...
    second = Process(database, slack, clock)
    assert not second.lease.renew()
    assert (
        second.poster.post_due(digest_repo.every_schedule(second.store.db)[0], clock.now) is False
    )
    # ... and takes over once the first is gone, later in the same period: nothing again.
    first.lease.release()
    assert second.lease.renew()
    clock.now += timedelta(hours=5)
    second.tick_and_send()
    assert len(digests(slack)) == 1

    # The next day is a new period.
    clock.now += timedelta(days=1)
    second.tick_and_send()
    assert len(digests(slack)) == 2
    assert "2026-12-01" in digests(slack)[1]


def test_only_the_lease_holder_queues(database: str, slack: HistorySlack) -> None:
    clock = Clock(SET_AT + timedelta(hours=2))
    proc = Process(database, slack, clock)
    schedule(proc.store, MADRID_10)
    proc.poster.iteration()  # lease never taken
    assert outbox.unsent(proc.store.db) == 0


def test_a_time_already_past_when_set_waits_for_the_next_period(
    database: str, slack: HistorySlack
) -> None:
    clock = Clock(SET_AT + timedelta(hours=3))  # 12:00 in Madrid, set for 10:00
    proc = Process(database, slack, clock)
    assert proc.lease.renew()
    schedule(proc.store, MADRID_10, since=clock.now)
    proc.tick_and_send()
    assert digests(slack) == []
    assert proc.poster.iteration() <= 22 * 3600  # it wakes for tomorrow's 10:00


def test_a_week_with_failures_posts_the_full_report(database: str, slack: HistorySlack) -> None:
    monday_9 = Schedule(Every.WEEKLY, clock_time(9, 0))
    clock = Clock(SET_AT - timedelta(days=7))
    proc = Process(database, slack, clock)
    assert proc.lease.renew()
    schedule(proc.store, monday_9, since=clock.now)
    record_failure(proc.store, "e1", SET_AT - timedelta(days=2), in_history=False)
    clock.now = SET_AT + timedelta(hours=1)  # Monday 09:00 UTC
    proc.tick_and_send()
    (post,) = slack.posts(CHANNEL)
    assert_valid(post)
    assert "Weekly fsync digest, 2026-W49" in post["text"]
    assert "1 failure, 0 conflicts opened" in post["text"]
    assert "prod-eu" in str(post["blocks"])
