"""`/fsync history` through `App.dispatch`: a signed slash command into the Bolt app built by the
composition root, the session simulator behind it and the fake Slack taking the answer."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts import history_repo
from bot.alerts.history import HistoryService
from bot.alerts.history_rows import RunSeen
from bot.alerts.model import Episode
from bot.settings import Settings
from bot.slack.blockkit import message_problems
from bot.slack.history_view import day_mark, history_message
from bot.times import utcnow
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, team_settings
from tests.slack.test_people import Asker
from tests.support.botproc import VIEWER
from tests.support.pollers import held_poller
from tests.support.postgres import settings_for
from tests.support.simproc import SimProcess

V1 = "/v1/terraform/sync"


@pytest.fixture
def settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack, database: str) -> Settings:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return team_settings(tmp_path, sim, slack, **settings_for(database))


@pytest.fixture
def ask(fsync: Fsync, slack: FakeSlack) -> Asker:
    return Asker(fsync, slack)


def seed(fsync: Fsync) -> None:
    """dev failed three days ago, 10:00 to 12:00 UTC, and recovered. (At a fixed hour: from
    `now - 3 days`, after 22:00 the two hours crossed midnight, and the first day, watched from
    the failure on, read "broken all day": the test failed late in the UTC day, once in CI.)"""
    day = (utcnow() - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    opened, closed = day + timedelta(hours=10), day + timedelta(hours=12)
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
    assert days[3] == "▆" and "█" not in days  # broken part of the day
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


def test_the_history_of_a_workspace_is_what_the_simulator_did(
    fsync: Fsync, sim: SimProcess, ask: Asker
) -> None:
    """The poller's ticks (in-process) against the session simulator: dev fails twice with two
    errors, then recovers; `/fsync history dev` tells it as it happened."""
    poller, lease = held_poller(fsync.deps, default_channel=None, clock=utcnow)
    poller.tick()
    ran = []
    for forced in (
        {"status": "failed", "message": "Error: the state lock is held by <@U0BOB>"},
        {"status": "failed", "message": "Error: AccessDenied for ec2:RunInstances"},
        {"status": "success"},
    ):
        assert sim.control("POST", "/_sim/workspaces/dev/state", forced).status_code == 200
        (dev,) = [
            w for w in sim.api.get(f"{V1}/workspaces").json()["workspaces"] if w["name"] == "dev"
        ]
        ran.append((dev["status"], dev["message"]))
        poller.tick()
    lease.release()

    said = ask("history dev", user=VIEWER)  # folds what the poller appended (history.py)
    since = utcnow() - timedelta(days=1)
    runs = history_repo.runs(fsync.deps.store.db, "dev", since)
    assert (
        [(r.outcome, r.message) for r in runs[-3:]]
        == [
            ("failed", "Error: the state lock is held by <@U0BOB>"),
            ("failed", "Error: AccessDenied for ec2:RunInstances"),
            ("success", None),
        ]
        == [(s, m) for s, m in ran]
    )
    (episode,) = history_repo.episodes(fsync.deps.store.db, "dev", since)
    assert (episode.failures, episode.closed_how) == (2, "recovered")
    assert "1 episode · mean time to recovery" in said
    assert "state lock is held by &lt;@U0BOB&gt;" in said and "<@U0BOB>" not in said
    assert "AccessDenied for ec2:RunInstances" in said


def test_a_scripted_week_against_the_simulator_is_the_history_it_shows(
    fsync: Fsync, sim: SimProcess
) -> None:
    """A week of a workspace's life, scripted through the simulator's /_sim (each state at its
    moment of the past week) and polled by the poller in-process on a clock that walks the
    same week: the history tells that week."""
    add = {"name": "wk-api", "sync_interval": "7d", "status": "success"}
    assert sim.control("POST", "/_sim/workspaces", add).status_code in (200, 201)
    now = utcnow()  # the week ends at the last noon past: the simulator refuses a future state
    end = now.replace(hour=12, minute=0, second=0, microsecond=0)
    if end > now:
        end -= timedelta(days=1)
    day0 = end - timedelta(days=6)
    at = [day0]
    poller, lease = held_poller(fsync.deps, default_channel=None, clock=lambda: at[0], ttl=3600)
    script = [  # (when, status, error): each followed by one poll at that moment
        (timedelta(days=0), "success", None),
        (timedelta(days=1), "failed", "Error: A: the state lock is held"),
        (timedelta(days=1, hours=6), "success", None),  # 6 h broken on day 1
        (timedelta(days=2, hours=11), "failed", "Error: B: AccessDenied"),
        (timedelta(days=4, hours=-11), "success", None),  # 26 h: day 3 broken all day
        (timedelta(days=6), "success", None),
    ]
    for offset, status, error in script:
        at[0] = day0 + offset  # the simulator's state comes about then, and is polled then
        body = {"status": status, "at": at[0].isoformat(), **({"message": error} if error else {})}
        assert sim.control("POST", "/_sim/workspaces/wk-api/state", body).status_code == 200
        poller.tick()
    lease.release()

    history = HistoryService(fsync.deps.store, fsync.deps.service, lambda: end).history("wk-api", 7)
    assert [(e.opened_at - day0, e.closed_at and e.closed_at - day0) for e in history.episodes] == [
        (timedelta(days=1), timedelta(days=1, hours=6)),
        (timedelta(days=2, hours=11), timedelta(days=3, hours=13)),
    ]
    assert [e.first_error for e in history.episodes] == [
        "Error: A: the state lock is held",
        "Error: B: AccessDenied",
    ]
    assert "".join(day_mark(d) for d in history.timeline) == "▁▆▆█▆▁▁"
    assert [r.outcome for r in history.runs][-2:] == ["success", "success"]
    message = history_message(history)
    assert message_problems(message) == []
    assert "mean time to recovery *16h*" in json.dumps(message)
