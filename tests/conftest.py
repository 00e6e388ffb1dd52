"""Shared fixtures. Each block is self-contained; append new fixtures below the last one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.simproc import DEFAULT_KEY, SimProcess

# -- the Sync API simulator (tests/support/simproc.py) ------------------------------------------


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimProcess]:
    """One real `fsync-bot simulator` process for the whole session (key test-key-not-secret)."""
    with SimProcess(key=DEFAULT_KEY) as sim:
        yield sim


@pytest.fixture
def sim(simulator: SimProcess) -> Iterator[SimProcess]:
    """The session simulator, back in its start-up state: default fleet, no faults, no history."""
    simulator.reset()
    simulator.control("POST", "/_sim/faults", json={}).raise_for_status()
    yield simulator


# -- the secrets scan (tests/support/secrets_scan.py) --------------------------------------------


_WORKER_SCANS: list[dict[str, Any]] = []  # with pytest-xdist: what each worker found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole suite: no secret in any bot log or any message sent to a fake Slack.

    Under pytest-xdist each worker scans what it ran and hands its result to the controller,
    which reports the total (and fails the run on any hit)."""
    from tests.support import secrets_scan

    scan = {
        "found": secrets_scan.hits(),
        "counts": [len(secrets_scan.SECRETS), len(secrets_scan.LOGS), len(secrets_scan.SLACKS)],
    }
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["secrets_scan"] = scan
        return
    scans = [scan, *_WORKER_SCANS]
    found = [hit for one in scans for hit in one["found"]]
    secrets, logs, slacks = (sum(one["counts"][n] for one in scans) for n in range(3))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        if reporter:
            reporter.write_line(f"SECRETS FOUND in logs or Slack messages: {found}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter and secrets:
        reporter.write_line(
            f"secrets scan: {secrets} secrets, {logs} bot logs, {slacks} fake Slacks: no hits"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: a worker finished; keep its secrets scan."""
    scan = getattr(node, "workeroutput", {}).get("secrets_scan")
    if scan is None:  # a worker that died before scanning: its logs were not read
        worker = getattr(node, "gateway", None)
        scan = {"found": [f"no scan from worker {getattr(worker, 'id', '?')}"], "counts": [0, 0, 0]}
    _WORKER_SCANS.append(scan)


# -- hypothesis profiles ----------------------------------------------------------------------
# CI replays a fixed sequence (a red CI must mean a code change, not a lucky draw); developers
# explore (HYPOTHESIS_PROFILE=explore for a long hunt).


def _hypothesis_profiles() -> None:
    import os

    from hypothesis import settings

    settings.register_profile("dev", max_examples=150)
    settings.register_profile("ci", max_examples=150, derandomize=True, database=None)
    settings.register_profile("explore", max_examples=3000)
    default = "ci" if os.environ.get("CI") else "dev"
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default))


_hypothesis_profiles()


# -- scheduling: the longest files first ----------------------------------------------------------

# pytest-xdist's `--dist loadfile` hands whole files to the two workers in collection order, so a
# long file collected last (tests/test_demo.py was) leaves one worker running it alone at the end.
# Longest first is the classic fix. Measured with --durations (slowest first); a file missing here
# or out of date costs only balance, never a result.
LONGEST_FIRST = (
    "tests/e2e/test_alerts.py",
    "tests/reliability/test_faults.py",
    "tests/firsthour/test_console.py",
    "tests/test_demo.py",
    "tests/bench/test_bench_smoke.py",
    "tests/e2e/test_socket_mode.py",
    "tests/firsthour/test_alert_story.py",
    "tests/e2e/test_buttons.py",
    "tests/test_check.py",
    "tests/reliability/test_store_and_signals.py",
    "tests/firsthour/test_startup.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


# -- PostgreSQL (tests/support/postgres.py) ------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """One PostgreSQL server per test process, started on first use."""
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Where a test's Store lives: a file, then a fresh PostgreSQL database (the same test)."""
    if request.param == "sqlite":
        return str(tmp_path / "fsync.db")
    server = request.getfixturevalue("postgres_server")
    return str(server.new_database())
