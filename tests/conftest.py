"""Shared fixtures. Each block is self-contained; append new fixtures below the last one."""

from __future__ import annotations

from collections.abc import Iterator

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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole suite: no secret in any bot log or any message sent to a fake Slack."""
    from tests.support import secrets_scan

    found = secrets_scan.hits()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        if reporter:
            reporter.write_line(f"SECRETS FOUND in logs or Slack messages: {found}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter and secrets_scan.SECRETS:
        reporter.write_line(
            f"secrets scan: {len(secrets_scan.SECRETS)} secrets, {len(secrets_scan.LOGS)} bot "
            f"logs, {len(secrets_scan.SLACKS)} fake Slacks: no hits"
        )


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
