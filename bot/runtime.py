"""Deps: the objects a running fsync is made of, built once from Settings and passed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.core.authz import Policy
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.settings import Settings
from bot.store import Store, utcnow

if TYPE_CHECKING:
    from bot.slack.followers import RunFollower


def slack_web_client(settings: Settings) -> WebClient:
    """Every Slack Web API client fsync makes: SLACK_API_URL, and retries on 429 and 5xx."""
    return WebClient(
        token=Settings.secret(settings.slack_bot_token) or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
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
        client = SyncClient.from_settings(settings)
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
        )
        from bot.alerts.wiring import install

        install(deps)
        return deps
