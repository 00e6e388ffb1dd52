"""A scheduled digest's chart (bot/alerts/digest_poster.py -> bot/alerts/uploads.py): queued with
the digest, shared in the channel through files_upload_v2's three steps once, not again after a
restart, tried again after a refused step, not shared twice when only its answer was lost; a
quiet period has no chart."""

from __future__ import annotations

from datetime import time as clock_time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.digest_poster import DigestPoster
from bot.core.schedule import Every, Schedule
from bot.slack.digest_chart import digest_picture
from tests.alerts.historyslack import HistorySlack
from tests.alerts.test_digest_poster import CHANNEL, MADRID_10, SET_AT, Clock, Process, schedule
from tests.support.episodes import record_failure

PNG = b"\x89PNG\r\n\x1a\n"
MONDAY_9 = Schedule(Every.WEEKLY, clock_time(9, 0))
STEPS = ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]


def charted(proc: Process) -> Process:
    """The process with the chart wired in, as bot/wiring.py does."""
    poster = proc.poster
    proc.poster = DigestPoster(
        proc.store,
        proc.lease,
        poster.reports,
        render=poster.render,
        quiet=poster.quiet,
        clock=poster.clock,
        draw=partial(digest_picture, proc.store),
    )
    return proc


def a_week_with_a_failure(path: Path, slack: HistorySlack, clock: Clock) -> Process:
    """A weekly digest due Monday 09:00 UTC, prod-eu broken 3 hours on Saturday."""
    proc = charted(Process(path, slack, clock))
    assert proc.lease.renew()
    schedule(proc.store, MONDAY_9, since=clock.now)
    record_failure(proc.store, "e1", SET_AT - timedelta(days=2))
    return proc


def posted(slack: HistorySlack) -> list[dict[str, Any]]:
    """The digests posted in the channel (not the file shares)."""
    return [m for m in slack.posts(CHANNEL) if not m.get("files")]


def steps(slack: HistorySlack) -> list[str]:
    return [c.method for c in slack.calls if c.method in STEPS]


def test_a_digest_with_news_shares_its_chart_once_and_not_after_a_restart(
    tmp_path: Path, slack: HistorySlack
) -> None:
    clock = Clock(SET_AT - timedelta(days=7))
    proc = a_week_with_a_failure(tmp_path / "fsync.db", slack, clock)
    clock.now = SET_AT + timedelta(hours=1)  # Monday 09:00 UTC
    proc.tick_and_send()
    proc.tick_and_send()  # the same period again: nothing more

    (post,) = posted(slack)
    assert "Weekly fsync digest, 2026-W49" in post["text"]
    (shared,) = slack.files_in(CHANNEL)
    assert shared.data is not None and shared.data.startswith(PNG)
    assert shared.filename == "fsync-digest-chart-CDIGEST01-2026-W49.png"
    assert shared.title is not None and shared.title.startswith("Time broken by workspace")
    assert steps(slack) == STEPS  # the three steps, once each, in order
    (share,) = [m for m in slack.posts(CHANNEL) if m.get("files")]
    assert share["ts"] > post["ts"]  # the chart follows its digest

    restarted = charted(Process(tmp_path / "fsync.db", slack, clock))
    proc.lease.release()
    assert restarted.lease.renew()
    clock.now += timedelta(hours=2)
    restarted.tick_and_send()
    assert len(posted(slack)) == 1
    assert len(slack.files_in(CHANNEL)) == 1
    assert steps(slack) == STEPS
    assert slack.invalid == []


def test_a_quiet_period_shares_no_chart(tmp_path: Path, slack: HistorySlack) -> None:
    clock = Clock(SET_AT)
    proc = charted(Process(tmp_path / "fsync.db", slack, clock))
    assert proc.lease.renew()
    schedule(proc.store, MADRID_10)
    clock.now = SET_AT + timedelta(hours=1, seconds=3)
    proc.tick_and_send()
    (post,) = posted(slack)
    assert "nothing to report" in post["text"]
    assert steps(slack) == []
    assert slack.files_in(CHANNEL) == []


@pytest.mark.parametrize(
    "step", ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]
)
def test_an_upload_step_failing_once_is_tried_again_and_shared_once(
    tmp_path: Path, slack: HistorySlack, step: str
) -> None:
    slack.fail(step, status=500, error="internal_error")
    clock = Clock(SET_AT - timedelta(days=7))
    proc = a_week_with_a_failure(tmp_path / "fsync.db", slack, clock)
    clock.now = SET_AT + timedelta(hours=1)
    proc.tick_and_send()
    (shared,) = slack.files_in(CHANNEL)
    assert shared.data is not None and shared.data.startswith(PNG)
    assert steps(slack).count("files.completeUploadExternal") == (
        2 if step == "files.completeUploadExternal" else 1
    )
    assert len(posted(slack)) == 1


class LostAnswerSlack(HistorySlack):
    """Shares the file, then answers 500 once: the upload is in Slack, fsync is not told so."""

    lost = 1

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        answer = super()._answer(method, args)
        if method == "files.completeUploadExternal" and self.lost:
            self.lost -= 1
            return 500, {"ok": False, "error": "internal_error"}, {}
        return answer


def test_an_upload_whose_answer_was_lost_is_found_in_the_channel_not_shared_again(
    tmp_path: Path,
) -> None:
    slack = LostAnswerSlack().start()
    try:
        clock = Clock(SET_AT - timedelta(days=7))
        proc = a_week_with_a_failure(tmp_path / "fsync.db", slack, clock)
        clock.now = SET_AT + timedelta(hours=1)
        proc.tick_and_send()
        assert len(slack.files_in(CHANNEL)) == 1
        assert steps(slack) == STEPS  # no second upload
        assert slack.of("conversations.history")  # it looked before trying again
    finally:
        slack.stop()


def test_a_chart_that_cannot_be_drawn_leaves_the_digest_without_one(
    tmp_path: Path, slack: HistorySlack
) -> None:
    clock = Clock(SET_AT - timedelta(days=7))
    proc = a_week_with_a_failure(tmp_path / "fsync.db", slack, clock)

    def broken_draw(until: object) -> None:
        raise RuntimeError("no fonts")

    proc.poster.draw = broken_draw
    clock.now = SET_AT + timedelta(hours=1)
    proc.tick_and_send()
    (post,) = posted(slack)
    assert "Weekly fsync digest, 2026-W49" in post["text"]
    assert steps(slack) == []
