from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.firestartr.client import SyncClient
from bot.firestartr.ratelimit import RateLimiter

from .fakes import API_KEY, BASE_URL, FakeClock

MakeClient = Callable[..., SyncClient]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[MakeClient]:
    """SyncClient over a MockTransport, on the fake clock: no test really sleeps."""
    clients: list[SyncClient] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> SyncClient:
        kw.setdefault("limiter", RateLimiter(clock=clock, sleep=clock.sleep, wall=clock.wall))
        kw.setdefault("sleep", clock.sleep)
        client = SyncClient(BASE_URL, API_KEY, transport=httpx.MockTransport(handler), **kw)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
