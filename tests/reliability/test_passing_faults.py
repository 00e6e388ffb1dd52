"""Faults that must not stick (issue 11): a moment's failure costs a moment, not the process's life.

In-process: the real App through `App.dispatch`, a scripted Sync API (httpx.MockTransport) on a
fake clock, and the fake Slack on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.alerts.historyslack import HistorySlack
from tests.firestartr.fakes import FakeClock, reply
from tests.support.inproc import CHANNEL, OPERATOR, InProcessBot

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
    """The fleet above; the conflicts endpoint answers whatever `conflicts` holds next; a sync
    of staging starts run_1, which is running when first asked about, then succeeded."""

    def __init__(self) -> None:
        self.conflicts: list[Callable[[httpx.Request], httpx.Response]] = []
        self.asked_conflicts = 0
        self.run_states = ["running", "succeeded"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API}/workspaces":
            return reply(200, WORKSPACES)(request)
        if request.url.path == f"{API}/workspaces/staging/sync":
            return reply(202, {"id": "run_1", "workspace": "staging", "status": "queued"})(request)
        if request.url.path == f"{API}/runs/run_1":
            status = self.run_states.pop(0) if len(self.run_states) > 1 else self.run_states[0]
            return reply(200, {"id": "run_1", "workspace": "staging", "status": status})(request)
        if request.url.path == f"{API}/conflicts":
            self.asked_conflicts += 1
            step = (
                self.conflicts.pop(0) if self.conflicts else reply(200, {"conflicts": [CONFLICT]})
            )
            return step(request)
        return reply(404, {"error": "not_found", "message": "no route", "code": 404})(request)


def texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False) + payload.get("text", "")


@dataclass
class LosingSlack(HistorySlack):
    """Stores the next `lose` posts, then answers them 500: the answer lost, not the message."""

    lose: int = 0

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        answer = super()._answer(method, args)
        if method == "chat.postMessage" and self.lose and answer[0] == 200:
            self.lose -= 1
            return 500, {"ok": False, "error": "internal_error"}, {}
        return answer


@pytest.fixture
def slack() -> Iterator[LosingSlack]:
    fake = LosingSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def api() -> SyncAPI:
    return SyncAPI()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot(
    api: SyncAPI, slack: LosingSlack, clock: FakeClock, database: str
) -> Iterator[InProcessBot]:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    app = InProcessBot(api, slack, database, clock=clock)
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


def test_a_sync_card_slack_stored_but_answered_500_is_posted_once_and_followed(
    bot: InProcessBot, slack: LosingSlack
) -> None:
    slack.lose = 1
    bot.command("sync staging", user=OPERATOR)
    slack.wait_for("chat.update", lambda c: "succeeded" in texts(c.args), timeout=10)
    (card,) = slack.channel_messages(CHANNEL)  # one card, not a "queued" one left behind
    assert "succeeded" in texts(card) and card["updates"] >= 1
    assert len(slack.of("chat.postMessage")) == 1  # looked it up instead of posting again
    assert slack.of("conversations.history")


def test_a_sync_card_whose_post_cannot_be_confirmed_is_not_posted_twice(
    bot: InProcessBot, slack: LosingSlack
) -> None:
    """The post answered 500 and the history cannot be read: maybe posted, maybe not. Never a
    second card in the channel; the requester gets one of their own that follows the run."""
    slack.fail("conversations.history", error="missing_scope", times=10)
    slack.fail("chat.postMessage", status=500, error="internal_error", times=1)
    name = bot.command("sync staging", user=OPERATOR)
    answers = slack.wait_for(
        "response_url",
        lambda c: c.args["_path"].endswith(name) and "succeeded" in texts(c.args),
        timeout=10,
    )
    assert answers[0].args.get("replace_original") is True
    first = bot.responses(name)[0]
    assert first["response_type"] == "ephemeral" and "staging" in texts(first)
    assert len(slack.of("chat.postMessage")) == 1
    assert slack.channel_messages(CHANNEL) == []
