"""Fixtures for the simulator's black-box tests; `simulator` and `sim` live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.simproc import SimProcess


@pytest.fixture
def api(sim: SimProcess) -> httpx.Client:
    """The /v1 client of the reset session simulator."""
    return sim.api


@pytest.fixture(scope="session")
def fast_simulator() -> Iterator[SimProcess]:
    """A second simulator whose runs take 0.3 s, for tests that watch runs end."""
    with SimProcess(extra_args=["--sync-seconds", "0.3"]) as proc:
        yield proc


@pytest.fixture
def fast(fast_simulator: SimProcess) -> Iterator[SimProcess]:
    fast_simulator.reset()
    yield fast_simulator


@pytest.fixture(scope="session")
def anon() -> Iterator[httpx.Client]:
    """A client without credentials (pass full URLs)."""
    with httpx.Client(timeout=10) as client:
        yield client
