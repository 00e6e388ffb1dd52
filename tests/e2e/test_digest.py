"""`fsync-bot run` as real processes: a daily digest scheduled for the next whole minute is
posted once, and a restarted process (same database) in the same period does not post it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes import FakeSlack
from tests.support.botproc import OPERATOR, BotProcess
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

CHANNEL = "CDIGEST01"


def digest_posts(slack: FakeSlack) -> list[str]:
    return [
        c.args.get("text", "")
        for c in slack.posts_in(CHANNEL)
        if "fsync digest, " in c.args.get("text", "")
    ]


def next_minute(at_least: float = 4.0) -> datetime:
    """The next whole minute (UTC) at least `at_least` seconds away."""
    soon = datetime.now(UTC) + timedelta(seconds=at_least)
    return (soon + timedelta(minutes=1)).replace(second=0, microsecond=0)


def test_a_digest_is_posted_once_and_not_again_by_the_restarted_process(
    tmp_path: Path, e2e_sim: SimProcess, fake_slack: FakeSlack
) -> None:
    fake_slack.reset()
    first = BotProcess(fake_slack, e2e_sim.url, e2e_sim.key, tmp_path).start()
    try:
        due = next_minute()
        _, name = first.command(f"digest daily {due:%H:%M}", user=OPERATOR, channel=CHANNEL)
        (answer,) = first.responses(name)
        assert "every day at" in str(answer)
        # Waits for the minute to come: at most 64 s, the fact is the post itself.
        fake_slack.wait_for(
            "chat.postMessage", lambda c: "fsync digest, " in c.args.get("text", ""), timeout=90
        )
        assert datetime.now(UTC) >= due
        # The digest has news, so its chart follows it: wait for that too before the restart.
        wait_until(lambda: fake_slack.files_in(CHANNEL), what="the digest's chart")
    finally:
        first.stop()
    # The simulator's fleet has a failed and a conflicted workspace: a full report, once.
    (posted,) = digest_posts(fake_slack)
    assert posted.startswith(f"Daily fsync digest, {due:%Y-%m-%d}: 1 failure")

    second = BotProcess(fake_slack, e2e_sim.url, e2e_sim.key, tmp_path).start()
    try:
        # The restarted process took the lease and looked at every schedule: the fact to wait on.
        wait_until(
            lambda: "digests: 1 channel scheduled" in second.log(),
            what="the restarted process's digest poster to look",
        )
        assert second.unsent() == 0
        assert len(digest_posts(fake_slack)) == 1
        (chart,) = fake_slack.files_in(CHANNEL)  # once, across the restart
        assert chart.data is not None and chart.data.startswith(b"\x89PNG")
    finally:
        second.stop()
