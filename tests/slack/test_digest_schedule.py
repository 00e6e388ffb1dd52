"""The whole digest path in this process, with fsync's real threads: an operator schedules a
daily digest for a time a few seconds ahead, the lease holder posts it once, and a restarted
fsync in the same period does not post it again; a digest with news brings its chart, uploaded
once through files_upload_v2's three steps. fsync's clock runs at real speed, shifted so
that the next whole minute is three seconds away; the lease and the outbox use real time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot import wiring
from bot.alerts import digest_repo, outbox
from bot.alerts.digest_poster import DigestPoster
from bot.app import build_app
from bot.settings import Settings
from bot.slack.deps import Deps
from bot.times import utcnow
from tests.fakes import FakeSlack
from tests.slack.conftest import team_settings
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.botproc import BOT_TOKEN, OPERATOR
from tests.support.episodes import record_failure
from tests.support.postgres import settings_for
from tests.support.simproc import SimProcess


@pytest.fixture
def settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack, database: str) -> Settings:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return team_settings(tmp_path, sim, slack, **settings_for(database))


CHANNEL = "C1"


def shifted_clock(ahead: float) -> tuple[Callable[[], datetime], datetime]:
    """A clock at real speed whose next whole minute is `ahead` seconds away; that minute."""
    real = utcnow()
    minute = (real + timedelta(minutes=1)).replace(second=0, microsecond=0)
    offset = minute - timedelta(seconds=ahead) - real
    return (lambda: utcnow() + offset), minute


def start(settings: Settings, slack: FakeSlack, clock: Callable[[], datetime]) -> Deps:
    deps = wiring.build(
        settings, web=WebClient(base_url=slack.api_url, token=BOT_TOKEN), clock=clock
    )
    deps.start_background()
    return deps


def wait_until(fact: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not fact():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def digest_posts(slack: FakeSlack) -> list[str]:
    return [
        c.args.get("text", "")
        for c in slack.posts_in(CHANNEL)
        if "fsync digest, " in c.args.get("text", "")
    ]


def test_a_digest_due_in_seconds_is_posted_once_and_not_again_after_a_restart(
    settings: Settings, slack: FakeSlack
) -> None:
    clock, minute = shifted_clock(ahead=3.0)
    first = start(settings, slack, clock)
    try:
        app = build_app(first, token_verification=False)
        body = slackreq.command_body(
            f"digest daily {minute:%H:%M}",
            user=OPERATOR,
            channel=CHANNEL,
            response_url=slack.response_url("digest"),
        )
        dispatch_signed(app, body, slackreq.sign(body))
        slack.wait_for("response_url", lambda c: c.args["_path"].endswith("/digest"))
        assert digest_posts(slack) == []  # set, not posted yet

        slack.wait_for("chat.postMessage", lambda c: "fsync digest, " in c.args.get("text", ""))
        assert clock() >= minute
        assert len(digest_posts(slack)) == 1
    finally:
        first.stop_background()

    second = start(settings, slack, clock)  # the same database: a restart in the same period
    try:
        wait_until(lambda: second.workers[-1].held())  # type: ignore[attr-defined]
        poster = second.workers[1]
        assert isinstance(poster, DigestPoster)
        (scheduled,) = digest_repo.every_schedule(second.store.db)
        assert poster.post_due(scheduled, clock()) is False  # its period is queued already
        wait_until(lambda: outbox.unsent(second.store.db) == 0)
        assert len(digest_posts(slack)) == 1
        assert slack.invalid == []
    finally:
        second.stop_background()


def failed_yesterday(deps: Deps, now: datetime) -> None:
    """prod-eu failed for three hours in the day before `now`, as the poller would record it."""
    record_failure(deps.store, "e-chart", now - timedelta(hours=6))


def test_a_digest_with_news_brings_one_chart_through_the_three_step_upload(
    settings: Settings, slack: FakeSlack
) -> None:
    clock, minute = shifted_clock(ahead=3.0)
    first = start(settings, slack, clock)
    try:
        failed_yesterday(first, minute)
        app = build_app(first, token_verification=False)
        body = slackreq.command_body(
            f"digest daily {minute:%H:%M}",
            user=OPERATOR,
            channel=CHANNEL,
            response_url=slack.response_url("digest"),
        )
        dispatch_signed(app, body, slackreq.sign(body))
        slack.wait_for("files.completeUploadExternal")
        (post,) = digest_posts(slack)
        assert "failure" in post  # prod-eu, and what the simulator breaks meanwhile
        wait_until(lambda: outbox.unsent(first.store.db) == 0)
    finally:
        first.stop_background()
    (shared,) = slack.files_in(CHANNEL)
    assert shared.data is not None and shared.data.startswith(b"\x89PNG\r\n\x1a\n")
    steps = ("files.getUploadURLExternal", "upload_url", "files.completeUploadExternal")
    assert [c.method for c in slack.calls if c.method in steps] == list(steps)

    second = start(settings, slack, clock)  # a restart in the same period
    try:
        wait_until(lambda: second.workers[-1].held())  # type: ignore[attr-defined]
        poster = second.workers[1]
        assert isinstance(poster, DigestPoster)
        (scheduled,) = digest_repo.every_schedule(second.store.db)
        assert poster.post_due(scheduled, clock()) is False
        wait_until(lambda: outbox.unsent(second.store.db) == 0)
    finally:
        second.stop_background()
    assert len(digest_posts(slack)) == 1
    assert len(slack.files_in(CHANNEL)) == 1
    assert [c.method for c in slack.calls if c.method in steps] == list(steps)
    assert slack.invalid == []
