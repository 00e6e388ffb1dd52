"""Scheduled digests posted exactly once per period and channel (issue 15).

The lease holder's worker looks at every channel's schedule; when one is due it computes the
report of the period that just ended and queues it in the durable outbox under the key
`digest:<channel>:<period>` (`2026-11-30`, or the ISO week `2026-W49`), inside a transaction
that checks the lease. The outbox's unique key makes that once: a restart, a second process
taking the lease over, or a tick run twice finds the key and queues nothing; the sender then
posts it once (its key travels in the message metadata, so a post cut off mid-flight is
found in the channel rather than posted again). A period with nothing to report gets one line.

A digest with something to report also brings its picture (`draw`: the fleet's heat map, see
bot/slack/digest_chart.py), queued in the same transaction as an upload keyed
`digest-chart:<channel>:<period>`, behind the digest in the channel's order; the sender shares it
once (bot/alerts/uploads.py). Nobody broken in the week, nothing to draw: no upload.

Only the latest due period is posted: a fsync that was down for three days posts the last
digest, not three. A due time before the schedule was set is not posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.alerts import digest_repo, outbox, uploads
from bot.alerts.digest_repo import Scheduled
from bot.alerts.lease import Lease
from bot.alerts.model import Delivery, DeliveryOp
from bot.alerts.report import Report, Reports
from bot.alerts.uploads import Picture
from bot.core import words
from bot.core.schedule import Every, last_due, next_due, period_key, window
from bot.store import Store
from bot.worker import Worker

log = logging.getLogger(__name__)
IDLE = 30.0  # seconds between looks when nothing is due sooner (a schedule set meanwhile)


class DigestPoster(Worker):
    first_wait = 0.5

    def __init__(
        self,
        store: Store,
        lease: Lease,
        reports: Reports,
        *,
        render: Callable[[Report, str], dict[str, Any]],
        quiet: Callable[[str], dict[str, Any]],
        clock: Callable[[], datetime],
        draw: Callable[[datetime], Picture | None] = lambda _until: None,
        on_queued: Callable[[], None] = lambda: None,
        idle: float = IDLE,
    ) -> None:
        super().__init__("digest-poster")
        self.store, self.lease, self.reports = store, lease, reports
        self.render, self.quiet, self.clock, self.draw = render, quiet, clock, draw
        self.on_queued, self.idle = on_queued, idle
        self._looked = 0  # the lease generation of the last "looked" log line

    def iteration(self) -> float:
        if not self.lease.held():
            return min(self.idle, self.lease.ttl / 4)
        now = self.clock()
        wait = self.idle
        schedules = digest_repo.every_schedule(self.store.db)
        for scheduled in schedules:
            if self.post_due(scheduled, now):
                self.on_queued()
            ahead = (next_due(scheduled.schedule, now) - now).total_seconds()
            wait = min(wait, ahead + 0.05)
        if self._looked != self.lease.generation:  # once per lease taken: what it found
            self._looked = self.lease.generation
            counted = words.plural(len(schedules), "channel")
            log.info("digests: %s scheduled, each due period queued", counted)
        return max(0.05, wait)

    def post_due(self, scheduled: Scheduled, now: datetime) -> bool:
        """Queue the digest of the period just ended, if due and not queued yet. True if queued."""
        schedule = scheduled.schedule
        due = last_due(schedule, now)
        if due < scheduled.since:
            return False
        period = period_key(schedule, due)
        key = f"digest:{scheduled.channel}:{period}"
        if outbox.queued(self.store.db, key):
            return False
        report = self.reports.between(*window(schedule, due))
        what = "Daily" if schedule.every == Every.DAILY else "Weekly"
        title = f"{what} fsync digest, {period}"
        payload = self.quiet(title) if report.quiet else self.render(report, title)
        channel = scheduled.channel
        deliveries = [Delivery(key, channel, DeliveryOp.POST, None, payload, kind="digest")]
        picture = None if report.quiet else self._picture(key, due)
        if picture is not None:
            chart_key = f"digest-chart:{channel}:{period}"
            chart = uploads.payload(chart_key, picture)
            deliveries.append(
                Delivery(chart_key, channel, DeliveryOp.UPLOAD, None, chart, kind="digest")
            )
        with self.store.transaction() as db:
            if not self.lease.check(db):
                return False  # another process holds the lease now: it posts this one
            outbox.enqueue(db, deliveries)  # in order: the chart follows its digest
        log.info("digest %s queued", key)
        return True

    def _picture(self, key: str, due: datetime) -> Picture | None:
        """The digest's chart; a chart that cannot be drawn leaves the digest without one."""
        try:
            return self.draw(due)
        except Exception:  # the words matter more than the picture: they go out anyway
            log.exception("digest %s: the chart could not be drawn", key)
            return None
