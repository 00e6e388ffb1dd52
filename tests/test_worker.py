"""The background worker base (bot/worker.py), and that a stopped fsync leaves no thread behind."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient

from bot import wiring
from bot.errors import StoreUnavailable
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from bot.settings import Settings
from bot.slack.followers import Followed
from bot.worker import Worker
from tests.fakes import FakeSlack
from tests.support import slackreq
from tests.support.botproc import ADMIN, BOT_TOKEN
from tests.support.waiting import wait_until

FSYNC_THREADS = {"alerts-poller", "alerts-sender", "alerts-lease", "run-follower", "audit-retry"}


class Counting(Worker):
    """Counts its iterations; the first `crashes` of them raise."""

    def __init__(self, name: str, every: float, crashes: int = 0) -> None:
        super().__init__(name)
        self.every, self.crashes, self.runs = every, crashes, 0
        self.crash_wait = 0.01

    def iteration(self) -> float:
        self.runs += 1
        if self.runs <= self.crashes:
            raise RuntimeError(f"bug in round {self.runs}")
        return self.every


def _names() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


@pytest.fixture
def stopped() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop(time.monotonic() + 1)


def test_an_iteration_that_raises_is_logged_with_its_traceback_and_the_loop_goes_on(
    stopped: list[Worker], caplog: pytest.LogCaptureFixture
) -> None:
    worker = Counting("test-crashy", every=0.01, crashes=2)
    stopped.append(worker)
    worker.start()
    wait_until(lambda: worker.runs >= 4, what="rounds after the crashes")
    crashed = [r for r in caplog.records if "test-crashy" in r.getMessage()]
    assert len(crashed) >= 2 and all(r.levelno == logging.ERROR for r in crashed)
    assert crashed[0].exc_info is not None and "bug in round 1" in caplog.text


def test_stop_joins_the_thread_within_the_deadline(stopped: list[Worker]) -> None:
    worker = Counting("test-idle", every=60.0)  # waiting a minute between rounds
    worker.start()
    wait_until(lambda: worker.runs == 1, what="the first round")
    assert "test-idle" in _names()
    began = time.monotonic()
    assert worker.stop(began + 5) is True
    assert time.monotonic() - began < 1  # the wait is cut short, not sat out
    assert "test-idle" not in _names()


def test_a_worker_stuck_past_the_deadline_is_reported_not_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()

    class Stuck(Worker):
        def iteration(self) -> float:
            release.wait(10)  # a Slack call that does not answer
            return 1.0

    worker = Stuck("test-stuck")
    worker.start()
    try:
        began = time.monotonic()
        assert worker.stop(began + 0.2) is False
        assert time.monotonic() - began < 1
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert [r.getMessage() for r in warned if "test-stuck" in r.getMessage()] != []
    finally:
        release.set()
        worker.stop(time.monotonic() + 2)
    assert "test-stuck" not in _names()


def test_wake_runs_the_next_iteration_without_waiting_the_interval(stopped: list[Worker]) -> None:
    worker = Counting("test-wake", every=60.0)
    stopped.append(worker)
    worker.start()
    wait_until(lambda: worker.runs == 1, what="the first round")
    worker.wake()
    wait_until(lambda: worker.runs == 2, timeout=2, what="a round on wake")


def test_a_stopped_worker_can_start_again(stopped: list[Worker]) -> None:
    worker = Counting("test-again", every=60.0)
    stopped.append(worker)
    worker.start()
    wait_until(lambda: worker.runs == 1, what="the first round")
    assert worker.stop(time.monotonic() + 2)
    worker.start()
    wait_until(lambda: worker.runs == 2, what="a round after the restart")


# --- a whole fsync ------------------------------------------------------------------------------


def test_stop_background_leaves_no_fsync_thread_alive(tmp_path: Path) -> None:
    """Built by the composition root, started, following a run whose status request is slow
    when fsync stops, with an audit write kept for retrying: every background thread has ended
    when stop_background() returns."""
    asked = threading.Event()

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v1/runs/") or "/runs/" in request.url.path:
            asked.set()
            time.sleep(0.5)  # still answering when fsync is told to stop
            return httpx.Response(200, json={"id": "run-1", "status": "running"})
        return httpx.Response(503, json={"error": "down for the test"})

    slack = FakeSlack().start()
    try:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=slackreq.SIGNING_SECRET,
            slack_api_url=slack.api_url,
            firestartr_api_url="http://sync.test",
            firestartr_api_key="stub-key-not-secret",
            db_path=tmp_path / "fsync.db",
            admins=[ADMIN],
        )
        client = SyncClient(
            settings.firestartr_api_url,
            "stub-key-not-secret",
            transport=httpx.MockTransport(api),
            retries=0,
        )
        deps = wiring.build(
            settings, web=WebClient(base_url=slack.api_url, token=BOT_TOKEN), client=client
        )
        deps.start_background()
        deps.follower.follow(
            Followed("alpha", ADMIN, Run(id="run-1", status="queued"), channel="C1", ts="1.0")
        )
        wait_until(lambda: {"alerts-poller", "alerts-sender", "alerts-lease"} <= _names())
        wait_until(asked.is_set, what="the follower asking for the run")

        def disk_full() -> None:
            raise StoreUnavailable("the database is unavailable", reason="disk full")

        deps.service.trail.later("a refusal", disk_full, now=False)
        assert "audit-retry" in _names()
        deps.stop_background()
        assert _names() & FSYNC_THREADS == set()
    finally:
        slack.stop()
