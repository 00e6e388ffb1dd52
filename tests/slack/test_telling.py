"""The requester's DMs, at the follower's level: a Sync API fake that moves one run through the
statuses a test lists, a real Store, the fake Slack. A run that stops to wait for its requester
(`awaiting_approval`, the approve part of issue 14) DMs once for that and once at its end; a
status this fsync does not know yet is said as it is; a second follower (a restart) repeats none."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.core.requesters import Requesters
from bot.firestartr.models import FINISHED_RUN_STATUSES, Run
from bot.slack.followers import Followed, RunFollower
from bot.store import Store
from tests.fakes import FakeSlack
from tests.support.waiting import wait_until

USER, CHANNEL = "U0REQ", "C0OPS"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Runs:
    """GET /runs/{id}: the next status of `statuses` at each read, then the last one."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)

    def get_run(self, run_id: str) -> Run:
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        done = T0 + timedelta(seconds=95) if status not in ("running", "queued") else None
        return Run(id=run_id, status=status, started_at=T0, finished_at=done, message=None)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def store(database: str) -> Store:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return Store(database)


def follower(runs: Runs, slack: FakeSlack, store: Store) -> RunFollower:
    web = WebClient(base_url=slack.api_url, token="xoxb-t")
    return RunFollower(runs, web, every=0.02, requesters=Requesters(store))


def dms(slack: FakeSlack) -> list[str]:
    return [str(c.args["text"]) + str(c.args["blocks"]) for c in slack.posts_in(USER)]


def follow(f: RunFollower, slack: FakeSlack, run_id: str = "run_1") -> None:
    card = WebClient(base_url=slack.api_url, token="xoxb-t").chat_postMessage(
        channel=CHANNEL, text="Sync of dev"
    )
    run = Run(id=run_id, status="running", started_at=T0)
    f.follow(Followed("dev", USER, run, CHANNEL, card["ts"], asked_in=CHANNEL))


def test_a_plan_waiting_for_its_requester_dms_once_then_once_more_at_the_end(
    slack: FakeSlack, store: Store
) -> None:
    runs = Runs("running", "awaiting_approval", "awaiting_approval", "running", "succeeded")
    f = follower(runs, slack, store)
    try:
        follow(f, slack)
        wait_until(lambda: f.following == 0)
    finally:
        f.stop()
    waiting, ended = dms(slack)
    assert "Your sync of *dev* needs you: waiting for approval" in waiting
    assert "Your sync of *dev* ended: succeeded after 1m" in ended
    assert f"/archives/{CHANNEL}/p" in ended


def test_a_final_status_this_fsync_does_not_know_is_said_as_it_is(
    slack: FakeSlack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `discarded` and `expired` arrive with the approve part: whatever the API calls final.
    monkeypatch.setattr(
        "bot.firestartr.models.FINISHED_RUN_STATUSES", FINISHED_RUN_STATUSES | {"discarded"}
    )
    f = follower(Runs("running", "discarded"), slack, store)
    try:
        follow(f, slack)
        wait_until(lambda: f.following == 0)
    finally:
        f.stop()
    (dm,) = dms(slack)
    assert "ended: discarded" in dm.lower()


def test_a_second_follower_of_the_same_run_repeats_no_dm(slack: FakeSlack, store: Store) -> None:
    first = follower(Runs("awaiting_approval"), slack, store)
    try:
        follow(first, slack)
        wait_until(lambda: len(dms(slack)) == 1)
    finally:
        first.stop()
    # A restart while the plan still waits: followed again, and the waiting DM is not repeated.
    again = follower(Runs("awaiting_approval", "awaiting_approval", "failed"), slack, store)
    try:
        assert again.resume() == 1
        wait_until(lambda: again.following == 0)
        assert again.resume() == 0
    finally:
        again.stop()
    waiting, ended = dms(slack)
    assert "needs you" in waiting and "ended: failed" in ended


def test_a_dm_slack_refuses_is_recorded_not_retried_and_the_card_still_follows(
    slack: FakeSlack, store: Store
) -> None:
    slack.fail("chat.getPermalink", error="ratelimited", times=5)
    slack.fail("chat.postMessage", error="user_not_found", channel=USER, times=5)
    f = follower(Runs("running", "failed"), slack, store)
    try:
        follow(f, slack)
        wait_until(lambda: f.following == 0)
    finally:
        f.stop()
    (tried,) = slack.posts_in(USER)
    assert f"card in <#{CHANNEL}>" in str(tried.args["blocks"])  # no permalink: the channel
    assert Requesters(store).dm_status("run_1") == "user_not_found"
    assert any("failed" in str(c.args) for c in slack.of("chat.update"))


def test_a_database_that_fails_when_a_run_is_remembered_does_not_stop_its_card(
    slack: FakeSlack, store: Store
) -> None:
    class Busy(Requesters):
        def remember(self, request: object) -> None:
            raise sqlite3.OperationalError("database is locked")

    web = WebClient(base_url=slack.api_url, token="xoxb-t")
    f = RunFollower(Runs("running", "succeeded"), web, every=0.02, requesters=Busy(store))
    try:
        follow(f, slack)  # does not raise into the command that started the run
        wait_until(lambda: f.following == 0)
    finally:
        f.stop()
    assert any("succeeded" in str(c.args) for c in slack.of("chat.update"))
