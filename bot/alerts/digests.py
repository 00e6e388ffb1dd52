"""Scheduled digests for people: a channel's schedule shown, set (operators) or turned off, and
the report of the last days; data only, the Slack edge (bot/slack/report_commands.py) says it.
The posting on schedule is bot/alerts/digest_poster.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alerts import digest_repo
from bot.alerts.digest_repo import Scheduled
from bot.alerts.report import Report, Reports
from bot.core.authz import RoleAction
from bot.core.schedule import Schedule, next_due
from bot.core.service import FsyncService
from bot.store import Store


@dataclass(frozen=True)
class Shown:
    scheduled: Scheduled | None
    next_at: datetime | None  # the next post, when scheduled


class Digests:
    def __init__(
        self,
        store: Store,
        service: FsyncService,
        reports: Reports,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.service, self.reports, self.clock = store, service, reports, clock

    def report(self, days: int) -> Report:
        return self.reports.last(days)

    def show(self, channel: str) -> Shown:
        found = digest_repo.get(self.store.db, channel)
        return Shown(found, next_due(found.schedule, self.clock()) if found else None)

    def may_set(self, user: str, channel: str, schedule: Schedule) -> None:
        """Refuses (and audits) a person who may not set a digest: before the channel is told."""
        self.service.require(user, RoleAction.DIGEST, args=_args(channel, schedule))

    def set(self, user: str, channel: str, schedule: Schedule) -> tuple[Scheduled, datetime]:
        """The schedule as stored, and its first due time."""
        args = _args(channel, schedule)
        self.service.require(user, RoleAction.DIGEST, args=args)
        now = self.clock()
        with self.store.transaction() as db:
            digest_repo.put(db, channel, schedule, user, now)
        self._audit(user, args, "ok")
        return Scheduled(channel, schedule, user, now), next_due(schedule, now)

    def off(self, user: str, channel: str) -> bool:
        """True when the channel had a digest (now off)."""
        args: dict[str, Any] = {"channel": channel, "off": True}
        self.service.require(user, RoleAction.DIGEST, args=args)
        with self.store.transaction() as db:
            removed = digest_repo.remove(db, channel)
        self._audit(user, args, "ok" if removed else "noop")
        return removed

    def _audit(self, user: str, args: dict[str, Any], outcome: str) -> None:
        self.store.audit(
            user_id=user, action=RoleAction.DIGEST, workspace=None, args=args, outcome=outcome
        )


def _args(channel: str, schedule: Schedule) -> dict[str, Any]:
    at = f"{schedule.at:%H:%M}"
    return {"channel": channel, "every": schedule.every, "at": at, "zone": schedule.zone}
