"""fsync in this process: Deps and the Bolt app from the composition root, its ASGI edge, a fake
Slack on loopback and the session simulator. `Fsync.drain()` waits for every listener to finish,
so a test counts what was done without sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import wiring
from bot.app import ListenerPool, build_app
from bot.http import asgi_app
from bot.settings import Settings
from bot.slack.deps import Deps
from tests.fakes import FakeSlack
from tests.support import asgicall, slackreq
from tests.support.acks import assert_slack_accepts, dispatch_signed
from tests.support.botproc import ADMIN, BOT_TOKEN, OPERATOR
from tests.support.simproc import SimProcess


@dataclass
class Fsync:
    deps: Deps
    app: App
    pool: ListenerPool
    asgi: Any

    def post(
        self, body: str | bytes, headers: dict[str, str] | None = None, **kw: Any
    ) -> asgicall.Answer:
        raw = body.encode() if isinstance(body, str) else body
        return asgicall.call(self.asgi, raw, headers=headers, **kw)

    def dispatch(
        self, body: str | dict[str, Any], headers: dict[str, str] | None = None
    ) -> BoltResponse:
        if isinstance(body, dict):  # Socket Mode: a parsed payload, no signature
            answer = self.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
            assert_slack_accepts(answer.body)
            return answer
        return dispatch_signed(self.app, body, headers or slackreq.sign(body))

    def drain(self) -> None:
        """Every listener started so far has finished (the pool takes no new ones after)."""
        self.pool.shutdown(wait=True)

    def stop(self) -> None:
        self.drain()
        self.deps.stop_background()


def start_fsync(settings: Settings, slack: FakeSlack) -> Fsync:
    deps = wiring.build(settings, web=WebClient(base_url=slack.api_url, token=BOT_TOKEN))
    pool = ListenerPool(8)
    app = build_app(deps, token_verification=False, executor=pool)
    return Fsync(deps, app, pool, asgi_app(app, deps))


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def team_settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack, **overrides: Any) -> Settings:
    """fsync for a team of three (ADMIN, OPERATOR, anyone else a viewer) against `sim`."""
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=slackreq.SIGNING_SECRET,
        slack_api_url=slack.api_url,
        firestartr_api_url=sim.url,
        firestartr_api_key=sim.key,
        admins=[ADMIN],
        operators=[OPERATOR],
        **{"db_path": tmp_path / "fsync.db", **overrides},
    )


@pytest.fixture
def settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack) -> Settings:
    return team_settings(tmp_path, sim, slack)


@pytest.fixture
def fsync(settings: Settings, slack: FakeSlack) -> Iterator[Fsync]:
    running = start_fsync(settings, slack)
    yield running
    running.stop()
