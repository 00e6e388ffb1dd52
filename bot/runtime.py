"""Deps: the objects a running fsync is made of, built once from Settings and passed down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.core.authz import Policy
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store import Store, utcnow

if TYPE_CHECKING:
    from bot.slack.followers import RunFollower


# Methods that create something each time they are called: after a 5xx or a dropped connection
# Slack may have done it already, so retrying blindly could post twice (bot/slack/posting.py).
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")


def _creates(request: HttpRequest) -> bool:
    return urlparse(request.url).path.rstrip("/").rsplit("/", 1)[-1] in NOT_IDEMPOTENT


def _never_sent(error: Exception | None) -> bool:
    """A refused connection: the request never reached Slack, so even a post may be retried."""
    return isinstance(getattr(error, "reason", error), ConnectionRefusedError)


class _ServerErrors(ServerErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _creates(request):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _ConnectionErrors(ConnectionErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _creates(request) and not _never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def slack_web_client(settings: Settings, *, logger: logging.Logger | None = None) -> WebClient:
    """The interactive Slack Web API client: SLACK_API_URL; retries on 429 (Slack did nothing)
    and, except for posts, on 5xx and dropped connections (reads and chat.update are safe).
    `logger` replaces slack_sdk's own (bot/startup.py asks Slack without its log lines)."""
    return WebClient(
        token=Settings.secret(settings.slack_bot_token) or None,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logger,
        retry_handlers=[
            _ConnectionErrors(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            _ServerErrors(max_retry_count=3),
        ],
    )


@dataclass
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
    # Subcommands added by other parts (alerts: subscribe, mute ...), name -> handler.
    extra_commands: dict[str, Any] = field(default_factory=dict)
    # Active mutes by workspace name -> "for 2h (reason)"; the alerts part replaces this.
    mutes_by_workspace: Callable[[], dict[str, str]] = dict

    # Extra App Home blocks (mutes, routes) from the alerts part.
    home_extras: Callable[[], list[dict[str, Any]]] = list
    # Background workers (the poller, the alert sender ...) started by `fsync-bot run`.
    workers: list[Any] = field(default_factory=list)

    def start_background(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop_background(self) -> None:
        self.follower.stop()
        for worker in self.workers:
            worker.stop()
        self.service.trail.close()

    @classmethod
    def build(cls, settings: Settings, *, web: WebClient | None = None) -> Deps:
        from bot.slack.followers import RunFollower

        store = Store(settings.db_path)
        metrics = Metrics()
        client = SyncClient.from_settings(settings, metrics=metrics)
        policy = Policy.from_settings(settings)
        web = web or slack_web_client(settings)
        deps = cls(
            settings=settings,
            store=store,
            client=client,
            policy=policy,
            service=FsyncService(client, store, policy),
            web=web,
            follower=RunFollower(client, web),
            metrics=metrics,
        )
        from bot.alerts.wiring import install

        install(deps)
        return deps
