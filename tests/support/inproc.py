"""fsync in this process: the real Deps and Bolt App, a fake Sync API as an httpx.MockTransport
(so a test can script any answer, one request at a time) and a fake Slack on loopback.

Commands and clicks go in as signed requests through `App.dispatch`; what fsync says comes back
through the fake Slack's record (response_url calls, posted messages), waited on, never slept for.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bot.app import build_app
from bot.core.authz import Policy
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.firestartr.ratelimit import RateLimiter
from bot.settings import Settings
from bot.slack.deps import Deps
from bot.slack.followers import RunFollower
from bot.slack.webclient import slack_web_client
from bot.store import Store
from tests.fakes import FakeSlack
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.postgres import settings_for

API_KEY = "sync-key-inproc-not-shown"
BOT_TOKEN = "xoxb-inproc-bot-token-0123456789"
ADMIN, OPERATOR = "UADMIN001", "UOPER0001"
CHANNEL = "CCHAN0001"
SyncAPI = Callable[[httpx.Request], httpx.Response]


class InProcessBot:
    def __init__(
        self,
        api: SyncAPI,
        slack: FakeSlack,
        db: Path | str,
        *,
        clock: Callable[[], float] | None = None,
        follow_every: float = 0.05,
    ) -> None:
        self.slack = slack
        self.settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=slackreq.SIGNING_SECRET,
            slack_api_url=slack.api_url,
            firestartr_api_url="https://sync.example.test",
            firestartr_api_key=API_KEY,
            **settings_for(str(db)),  # type: ignore[arg-type]
            admins=[ADMIN],
            operators=[OPERATOR],
        )
        limiter = RateLimiter(clock=clock) if clock is not None else RateLimiter()
        client = SyncClient(
            self.settings.firestartr_api_url,
            API_KEY,
            transport=httpx.MockTransport(api),
            limiter=limiter,
            retries=0,
        )
        store = Store(db)
        policy = Policy.from_settings(self.settings)
        web = slack_web_client(self.settings)
        self.deps = Deps(
            settings=self.settings,
            store=store,
            client=client,
            policy=policy,
            service=FsyncService(client, store, policy),
            web=web,
            follower=RunFollower(client, web, every=follow_every),
        )
        self.app = build_app(self.deps, token_verification=False)

    def close(self) -> None:
        self.deps.stop_background()
        self.deps.client.close()

    def command(self, text: str, *, user: str = ADMIN, channel: str = CHANNEL) -> str:
        """Send `/fsync text`; returns the response_url name its answers arrive on."""
        name = f"cmd-{uuid.uuid4().hex[:8]}"
        body = slackreq.command_body(
            text, user=user, channel=channel, response_url=self.slack.response_url(name)
        )
        response = dispatch_signed(self.app, body)
        assert response.status == 200, response.body
        return name

    def responses(self, name: str, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        calls = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"].endswith("/" + name), timeout=timeout
        )
        return [call.args for call in calls]
