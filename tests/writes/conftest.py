"""fsync in this process: the real Bolt App fed signed requests through `App.dispatch`, talking to
the real simulator (session process) and a fake Slack on loopback, with a database whose busy
timeout is short so that a held lock fails a write in a fraction of a second."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_bolt import App, BoltResponse

from bot.app import build_app
from bot.core.audit import AuditTrail
from bot.core.authz import Policy
from bot.core.service import FsyncService
from bot.firestartr.client import SyncClient
from bot.slack.deps import Deps
from bot.slack.followers import RunFollower
from bot.slack.webclient import slack_web_client
from bot.store import Store
from tests.fakes import FakeSlack
from tests.slack.conftest import team_settings
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.simproc import SimProcess

ADMIN, OPERATOR = "UADMIN001", "UOPER0001"
CHANNEL = "CCHAN0001"
BUSY_TIMEOUT = 0.3  # seconds a write waits on a locked database before it fails


class AfterWrites(httpx.BaseTransport):
    """Real HTTP, plus a hook run once a write (POST/PUT) has been answered by the API."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook: Callable[[], None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method in ("POST", "PUT") and self.hook is not None:
            response.read()
            hook, self.hook = self.hook, None
            hook()
        return response

    def close(self) -> None:
        self.inner.close()


class Lock:
    """Another connection holding the database's write lock, as a stuck process would."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = False

    def take(self) -> None:
        self.conn.execute("BEGIN EXCLUSIVE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("COMMIT")
            self.held = False


@dataclass
class InApp:
    app: App
    deps: Deps
    slack: FakeSlack
    sim: SimProcess
    transport: AfterWrites
    lock: Lock

    def dispatch(self, body: str) -> BoltResponse:
        return dispatch_signed(self.app, body)

    def command(self, text: str, *, user: str = ADMIN) -> str:
        """Send `/fsync text`; returns the response_url name its answers arrive on."""
        name = f"cmd-{uuid.uuid4().hex[:8]}"
        body = slackreq.command_body(
            text, user=user, channel=CHANNEL, response_url=self.slack.response_url(name)
        )
        assert self.dispatch(body).status == 200
        return name

    def click(self, action_id: str, value: str, *, user: str = ADMIN) -> str:
        name = f"act-{uuid.uuid4().hex[:8]}"
        payload = slackreq.action_payload(
            action_id, value, user=user, channel=CHANNEL, response_url=self.slack.response_url(name)
        )
        assert self.dispatch(slackreq.interactive_body(payload)).status == 200
        return name

    def submit(
        self, callback_id: str, values: dict[str, Any], metadata: str, *, user: str = ADMIN
    ) -> dict[str, Any]:
        """Submit a modal; returns what the ack answered (empty when it just closed)."""
        payload = slackreq.view_submission(callback_id, values, metadata, user=user)
        response = self.dispatch(slackreq.interactive_body(payload))
        assert response.status == 200
        return json.loads(response.body) if response.body else {}

    def replies(self, name: str, count: int = 1) -> list[dict[str, Any]]:
        calls = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"].endswith("/" + name), count=count
        )
        return [call.args for call in calls]

    def writes(self) -> list[dict[str, Any]]:
        """Every request the simulator saw that could change something."""
        return [r for r in self.sim.requests() if r["method"] in ("POST", "PUT", "PATCH")]


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture()
def inapp(tmp_path: Path, sim: SimProcess, fake_slack: FakeSlack) -> Iterator[InApp]:
    fake_slack.reset()
    settings = team_settings(tmp_path, sim, fake_slack)
    store = Store(settings.db_path, busy_timeout=BUSY_TIMEOUT)
    transport = AfterWrites()
    client = SyncClient(sim.url, sim.key, transport=transport)
    policy = Policy.from_settings(settings)
    trail = AuditTrail(store, retry_every=0.05)
    service = FsyncService(client, store, policy, trail=trail)
    web = slack_web_client(settings)
    deps = Deps(settings, store, client, policy, service, web, RunFollower(client, web))
    lock = Lock(settings.db_path)
    app = build_app(deps, token_verification=False)
    yield InApp(app, deps, fake_slack, sim, transport, lock)
    lock.release()
    lock.conn.close()
    deps.stop_background()
    client.close()
