"""Real processes on loopback: the simulator, a fake Slack, and `fsync-bot run`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import is_postgres
from tests.fakes import FakeSlack
from tests.support.botproc import BotProcess
from tests.support.replicas import Replicas
from tests.support.simproc import SimProcess

SIM_KEY = "sim-key-e2e-not-a-secret"


@pytest.fixture(scope="session")
def e2e_sim() -> Iterator[SimProcess]:
    with SimProcess(extra_args=["--sync-seconds", "0.6"], key=SIM_KEY) as sim:
        yield sim


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture(scope="session")
def e2e_bot(
    tmp_path_factory: pytest.TempPathFactory, e2e_sim: SimProcess, fake_slack: FakeSlack
) -> Iterator[BotProcess]:
    workdir = Path(tmp_path_factory.mktemp("bot"))
    # This bot lives through the whole session while the simulator's rate window starts afresh
    # before every test (`bot` below): the session as a whole asks for several hundred requests
    # a minute, each test for far fewer than the simulator's 100. fsync's own limit (which
    # holds over any 60 s, tests or not) is raised so that one test is not throttled by the
    # ones before it; the simulator still answers 429 to any single test that goes too far.
    bot = BotProcess(
        fake_slack, e2e_sim.url, e2e_sim.key, workdir, FIRESTARTR_RATE_LIMIT="1000"
    ).start()
    yield bot
    bot.stop()


@pytest.fixture()
def bot(e2e_bot: BotProcess, e2e_sim: SimProcess, fake_slack: FakeSlack) -> BotProcess:
    """The shared bot, with the simulator back at its start-up state and Slack's record empty."""
    e2e_sim.reset()
    fake_slack.reset()
    return e2e_bot


# The database that the replicas of one test share, as the environment fsync reads it (one
# fresh database per test): an SQLite file, then a PostgreSQL database (tests/conftest.py
# `database`). The tests that take it read no database themselves (tests/support/replicas.py).
@pytest.fixture
def replica_db(database: str, tmp_path: Path) -> dict[str, str]:
    if is_postgres(database):
        return {"FSYNC_DATABASE_URL": database, "FSYNC_DB_PATH": str(tmp_path / "unused.db")}
    return {"FSYNC_DB_PATH": database}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    bot = item.funcargs.get("bot") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and isinstance(bot, BotProcess):
        report.sections.append(("bot log (tail)", bot.log()[-4000:]))
    pair = item.funcargs.get("replicas") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and isinstance(pair, Replicas):
        report.sections.append(("replica logs (tails)", pair.logs()))
