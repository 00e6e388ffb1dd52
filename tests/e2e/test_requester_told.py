"""The requester told, with real processes: `fsync-bot run`, the simulator and the fake Slack. A
sync started with `/fsync sync` DMs its requester once; a hard crash (SIGKILL) and a restart on
the same database do not send it again; `notify off` stops the DMs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.fakes import FakeSlack
from tests.support.botproc import OPERATOR, BotProcess
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

CHANNEL = "CCHAN0001"


@pytest.fixture
def own_bot(tmp_path: Path, e2e_sim: SimProcess, fake_slack: FakeSlack) -> Iterator[BotProcess]:
    """A bot of this test's own: it is killed and started again on the same database."""
    e2e_sim.reset()
    fake_slack.reset()
    bot = BotProcess(fake_slack, e2e_sim.url, e2e_sim.key, tmp_path).start()
    yield bot
    bot.stop()


def dms(slack: FakeSlack) -> list[str]:
    return [json.dumps(c.args, ensure_ascii=False) for c in slack.posts_in(OPERATOR)]


def told_in(bot: BotProcess) -> list[str]:
    """How each run's final DM went, as the bot recorded it."""
    with closing(sqlite3.connect(bot.db)) as db:
        rows = db.execute("SELECT status FROM run_dms WHERE phase = 'final'").fetchall()
    return sorted(status for (status,) in rows)


def sync_dev(bot: BotProcess) -> None:
    bot.command("sync dev", user=OPERATOR, channel=CHANNEL)


def test_one_dm_per_run_across_a_crash_and_none_with_notify_off(
    own_bot: BotProcess, fake_slack: FakeSlack, e2e_sim: SimProcess, tmp_path: Path
) -> None:
    sync_dev(own_bot)
    (first,) = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == OPERATOR, timeout=15
    )
    text = json.dumps(first.args, ensure_ascii=False)
    assert "Your sync of *dev* ended: succeeded" in text and "|See the card>" in text

    own_bot.kill()  # no clean shutdown: what the database says is all the next one knows
    again = BotProcess(fake_slack, e2e_sim.url, e2e_sim.key, tmp_path).start()
    try:
        # A second run, told after the restart: by then a repeated DM of the first would be in.
        sync_dev(again)
        fake_slack.wait_for(
            "chat.postMessage", lambda c: c.args["channel"] == OPERATOR, count=2, timeout=15
        )
        told = dms(fake_slack)
        assert len(told) == 2
        runs = {t.split("run `")[1].split("`")[0] for t in told}
        assert len(runs) == 2  # one DM per run, not the first run's twice

        _, name = again.command("notify off", user=OPERATOR, channel=CHANNEL)
        (answer,) = again.responses(name)
        assert "*off*" in answer["text"]
        sync_dev(again)
        # The facts to wait on: the third run's card, then the bot's database saying its DM was
        # not sent. (One wait of 15 s for both timed out once in CI on a loaded machine.)
        fake_slack.wait_for(
            "chat.postMessage", lambda c: c.args["channel"] == CHANNEL, count=3, timeout=30
        )
        wait_until(lambda: told_in(again) == ["off", "sent", "sent"], timeout=30)
        assert len(dms(fake_slack)) == 2
        assert fake_slack.invalid == []
    finally:
        again.stop()
