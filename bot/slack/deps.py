"""Deps: what the Slack edge's listeners are handed, built once by the composition root
(bot/wiring.py) and frozen: nothing is plugged into it afterwards."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.alerts.digests import Digests
from bot.alerts.history import HistoryService
from bot.alerts.service import AlertsService
from bot.core.authz import Policy
from bot.core.owners import OwnersService
from bot.core.requesters import Requesters
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.followers import RunFollower
from bot.store import Store
from bot.times import utcnow
from bot.worker import Worker

# Enough for a Slack post in flight to finish (the sender's timeout) and the lease handed over.
STOP_GRACE = 8.0


@dataclass(frozen=True)
class Deps:
    settings: Settings
    store: Store
    client: SyncClient
    policy: Policy
    service: FsyncService
    web: WebClient
    follower: RunFollower
    clock: Callable[[], datetime] = utcnow
    # What `GET /metrics` answers (bot/metrics.py): one per running fsync, handed to what records.
    metrics: Metrics = field(default_factory=Metrics)
    # Routes and mutes (subscribe, mute ...); None where a harness runs without the alerts part,
    # and then those subcommands are not offered.
    alerts: AlertsService | None = None
    # Active mutes by workspace name -> "for 2h (reason)", for the status overview.
    mutes_by_workspace: Callable[[], dict[str, str]] = dict
    # Extra App Home blocks (routes, mutes).
    home_extras: Callable[[], list[dict[str, Any]]] = list
    # Background workers (the poller, the alert sender ...) started by `fsync-bot run`, in the
    # order they stop: no new alerts, then no sending, then the lease is handed over.
    workers: tuple[Worker, ...] = ()
    # Who owns which workspaces, and who is told when their run ends (issue 14); None where a
    # harness runs without them, and then `owners` / `notify` are not offered.
    owners: OwnersService | None = None
    requesters: Requesters | None = None
    # What happened to a workspace (issue 15); None where a harness runs without it, and then
    # `history` is not offered.
    history: HistoryService | None = None
    # `/fsync report` and `/fsync digest` (issue 15); None: not offered.
    digests: Digests | None = None

    def start_background(self) -> None:
        for worker in self.workers:
            worker.start()
        # Runs a previous fsync was following: their cards and their requesters' DMs.
        self.follower.resume()

    def stop_background(self, grace: float = STOP_GRACE) -> None:
        """Stop every background thread, joined within one shared `grace` (seconds): one that
        is still busy then is named in a warning and left behind (daemon threads)."""
        deadline = time.monotonic() + grace
        for worker in self.workers:
            worker.stop(deadline)
        # Last: a card update in flight must not eat the time the lease hand-over needs.
        self.follower.stop(deadline)
        self.service.trail.close(deadline)
