"""Faults that must not stick (issue 11): a moment's failure costs a moment, not the process's life.

In-process: the real App through `App.dispatch`, a scripted Sync API (httpx.MockTransport) on a
fake clock, and the fake Slack on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes import FakeSlack
from tests.firestartr.fakes import FakeClock, reply
from tests.support.inproc import InProcessBot

API = "/v1/terraform/sync"
WORKSPACES = {
    "workspaces": [
        {"name": "production", "status": "conflict", "sync_enabled": True, "open_conflicts": 1},
        {"name": "staging", "status": "success", "sync_enabled": True},
    ]
}
CONFLICT = {
    "id": "cfl_01J9ZK3M2Q",
    "workspace": "production",
    "status": "open",
    "type": "drift",
    "summary": "Bucket policy changed outside Terraform",
    "allowed_resolutions": ["apply_desired", "accept_remote"],
}
NOT_FOUND_PAGE = reply(404, text="<html><body>404 Not Found</body></html>")


class SyncAPI:
    """The fleet above; the conflicts endpoint answers whatever `conflicts` holds next."""

    def __init__(self) -> None:
        self.conflicts: list[Callable[[httpx.Request], httpx.Response]] = []
        self.asked_conflicts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API}/workspaces":
            return reply(200, WORKSPACES)(request)
        if request.url.path == f"{API}/conflicts":
            self.asked_conflicts += 1
            step = (
                self.conflicts.pop(0) if self.conflicts else reply(200, {"conflicts": [CONFLICT]})
            )
            return step(request)
        return reply(404, {"error": "not_found", "message": "no route", "code": 404})(request)


def texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False) + payload.get("text", "")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def api() -> SyncAPI:
    return SyncAPI()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot(api: SyncAPI, slack: FakeSlack, clock: FakeClock, tmp_path: Path) -> Iterator[InProcessBot]:
    app = InProcessBot(api, slack, tmp_path / "fsync.db", clock=clock)
    yield app
    app.close()


def test_conflicts_come_back_after_a_passing_404(
    bot: InProcessBot, api: SyncAPI, clock: FakeClock
) -> None:
    api.conflicts = [NOT_FOUND_PAGE]
    (first,) = bot.responses(bot.command("conflicts production"))
    assert "does not offer conflicts" in texts(first)

    clock.now += 60.0  # still within the window: fsync does not ask again
    (second,) = bot.responses(bot.command("conflicts production"))
    assert "does not offer conflicts" in texts(second)
    assert api.asked_conflicts == 1

    clock.now += 250.0  # past the 5-minute window: asked again, and shown
    (third,) = bot.responses(bot.command("conflicts production"))
    assert "Bucket policy changed outside Terraform" in texts(third)
    assert "does not offer" not in texts(third)


@pytest.mark.parametrize(
    "failure",
    [NOT_FOUND_PAGE, reply(503, {"error": "unavailable", "message": "down", "code": 503})],
    ids=["404 page", "503"],
)
def test_status_of_a_workspace_in_conflict_shows_its_detail_when_conflicts_fail(
    bot: InProcessBot, api: SyncAPI, failure: Callable[[httpx.Request], httpx.Response]
) -> None:
    api.conflicts = [failure]
    (answer,) = bot.responses(bot.command("status production"))
    shown = texts(answer)
    assert "Workspace production" in shown
    assert "conflict" in answer["text"]  # the state is there
    assert "open conflicts could not be read" in shown
    assert "Conflicts (1)" in shown  # the count from the listing still leads to them
