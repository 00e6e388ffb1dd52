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
