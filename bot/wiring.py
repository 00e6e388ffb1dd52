"""The composition root: every object a running fsync is made of, built once from Settings.

Each object is handed only what it uses, and nothing is changed after it is built. Imports point
down from here: bot/slack, then bot/core and bot/alerts, then bot/firestartr and bot/store
(tests/test_layers.py keeps them so).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from slack_sdk import WebClient

from bot import malloc
from bot.alerts import outbox
from bot.alerts.digest_poster import DigestPoster
from bot.alerts.digests import Digests
from bot.alerts.history import HistoryService
from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.alerts.report import Reports
from bot.alerts.sender import Sender
from bot.alerts.service import AlertsService
from bot.alerts.slackcalls import sender_client
from bot.core.authz import Policy
from bot.core.fleet_cache import FleetCache
from bot.core.owners import OwnersService
from bot.core.requesters import Requesters
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import alert_cards, alert_commands, alert_notices, digest_chart, report_views
from bot.slack.deps import Deps
from bot.slack.followers import RunFollower
from bot.slack.webclient import slack_web_client
from bot.store import Store
from bot.times import utcnow


def lease_ttl(poll_interval: float) -> float:
    """Short enough that a successor takes over quickly, long enough to ride out a slow disk."""
    return min(30.0, max(4.0, 4 * min(poll_interval, 5.0)))


def build(
    settings: Settings,
    *,
    web: WebClient | None = None,
    client: SyncClient | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Deps:
    """`web`, `client` and `clock` stand in for Slack, the Sync API and time in tests."""
    malloc.return_big_blocks()  # the poller's listing-sized buffers (bot/malloc.py)
    store = Store(settings.database)  # the database first: no network needed to find it unusable
    metrics = Metrics()
    client = client or SyncClient.from_settings(settings, metrics=metrics)
    policy = Policy.from_settings(settings)
    web = web or slack_web_client(settings)
    fleet_cache = FleetCache(client, store, clock)  # commands read it, the poller fills it
    service = FsyncService(client, store, policy, fleet_cache=fleet_cache)
    alerts = AlertsService(store, service, default_channel=settings.alert_channel, clock=clock)
    alerts.retry_default_channel()
    lease = Lease(store, lease_ttl(settings.poll_interval))
    sender = Sender(
        store,
        sender_client(web.token, web.base_url),
        lease,
        default_channel=settings.alert_channel,
        admins=sorted(policy.admins),
        notices=alert_notices,
        metrics=metrics,
    )
    poller = Poller(
        client,
        store,
        fleet_cache,
        lease,
        policy=policy,
        cards=alert_cards,
        default_channel=settings.alert_channel,
        clock=clock,
        interval=settings.poll_interval,
        on_queued=sender.wake,
        metrics=metrics,
        history_days=settings.history_days,
    )
    requesters = Requesters(store)
    # /fsync report and the digests: episodes as far back as history keeps them (issue 15).
    reports = Reports(store, clock, keep=timedelta(days=settings.history_days))
    digests = Digests(store, service, reports, clock)
    poster = DigestPoster(
        store,
        lease,
        reports,
        render=report_views.report_message,
        quiet=report_views.quiet_line,
        clock=clock,
        draw=partial(digest_chart.digest_picture, store),
        on_queued=sender.wake,
    )
    metrics.watch_lease(lease.held)
    metrics.watch_outbox(lambda: outbox.backlog(store.db, time.time()))
    return Deps(
        settings=settings,
        store=store,
        client=client,
        policy=policy,
        service=service,
        web=web,
        follower=RunFollower(
            client,
            web,
            web_url=settings.web_url,
            requesters=requesters,
            protected=policy.is_protected,
        ),
        clock=clock,
        metrics=metrics,
        alerts=alerts,
        mutes_by_workspace=partial(alert_commands.mute_labels, alerts),
        home_extras=partial(alert_commands.home_blocks, alerts),
        workers=(poller, poster, sender, lease),
        owners=OwnersService(store, service),
        requesters=requesters,
        history=HistoryService(store, service, clock),
        digests=digests,
    )
