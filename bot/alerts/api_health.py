"""The Sync API's own health, poll by poll: the third failed poll in a row opens one `api`
episode (one card, however long the outage), the first good poll closes it. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.alerts.model import SYNC_API_WORKSPACE, Episode, Event, EventKind, digest_of

API_FAILURES_TO_ALERT = 3


@dataclass(frozen=True, slots=True)
class ApiHealth:
    failures: int = 0  # consecutive failed polls
    since: datetime | None = None  # the first of them
    error: str = ""
    episode: Episode | None = None  # open while the API is considered down


def api_failed(health: ApiHealth, now: datetime, error: str) -> tuple[ApiHealth, Event | None]:
    """One more failed poll. The third in a row opens one `api` episode; later ones add nothing."""
    since = health.since or now
    failures = health.failures + 1
    if health.episode is not None or failures < API_FAILURES_TO_ALERT:
        return replace(health, failures=failures, since=since, error=error), None
    episode = Episode(
        id="ep_" + digest_of("api", since.isoformat()),
        workspace=SYNC_API_WORKSPACE,
        kind=EventKind.API,
        opened_at=since,
        status="down",
        message=error,
        first_message=error,
        failures=failures,
    )
    event = Event(EventKind.API, episode, opens=True, anchor=since.isoformat())
    return ApiHealth(failures, since, error, episode), event


def api_ok(health: ApiHealth, now: datetime) -> tuple[ApiHealth, Event | None]:
    if health.episode is None:
        return ApiHealth(), None
    closed = replace(health.episode, status="up", closed_at=now, closed_how="recovered")
    return ApiHealth(), Event(EventKind.RECOVERED, closed)
