"""`/fsync history` through `App.dispatch`: a signed slash command into the Bolt app built by the
composition root, the session simulator behind it and the fake Slack taking the answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.alerts import history_repo
from bot.alerts.history_repo import RunSeen
from bot.alerts.model import Episode
from bot.times import utcnow
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync
from tests.slack.test_people import Asker
from tests.support.botproc import VIEWER


@pytest.fixture
def ask(fsync: Fsync, slack: FakeSlack) -> Asker:
    return Asker(fsync, slack)


def seed(fsync: Fsync) -> None:
    """dev failed three days ago for two hours, and recovered."""
    now = utcnow()
    opened, closed = now - timedelta(days=3), now - timedelta(days=3) + timedelta(hours=2)
    failed = Episode(
        "ep-dev-1", "dev", "failed", opened, "success", "plan failed: <!here>",
        "plan failed: <!here>", 1, (), closed, "recovered",
    )  # fmt: skip
    runs = [
        RunSeen("run-1", "dev", "run-1", None, opened, "failed", "plan failed: <!here>", "x"),
        RunSeen("run-2", "dev", "run-2", None, closed, "success"),
    ]
    with fsync.deps.store.transaction() as tx:
        history_repo.record(tx, runs, [failed])


def test_a_viewer_reads_the_history_of_a_workspace(fsync: Fsync, ask: Asker) -> None:
    seed(fsync)
    said = ask("history dev", user=VIEWER)
    assert "History of dev, last 7 days" in said
    assert "*50%* of 2 runs succeeded · 1 episode · mean time to recovery *2h*" in said
    (days,) = re.findall(r"[A-Z][a-z]{2} \d{2} ([·▁▆█]{7})", said)
    assert days[:3] == "···"  # before anything was recorded
    assert "▆" in days[3:5] and "█" not in days  # broken part of a day (two, across midnight)
    assert "plan failed: &lt;!here&gt;" in said and "<!here>" not in said
    assert "History of dev, last 90 days" in ask("history dev 90d", user=VIEWER)


def test_an_unknown_workspace_or_period_is_refused_with_what_to_type(ask: Asker) -> None:
    assert "No workspace named `dve`. Did you mean `dev`?" in ask("history dve", user=VIEWER)
    said = ask("history dev 5d", user=VIEWER)
    assert "`history` covers `7d`, `30d`, `90d`, not `5d`" in said
    said = ask("history ../etc", user=VIEWER)
    assert "is not a valid workspace name (it contains `/`)" in said and "ref " not in said
    said = ask("history", user=VIEWER)
    assert "Usage: `/fsync history &lt;workspace&gt; [7d|30d|90d]`" in said
