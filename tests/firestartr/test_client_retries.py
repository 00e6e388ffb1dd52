"""Timeouts, retries, idempotency keys and rate limits, on a fake clock (nothing really sleeps)."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from bot import errors
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Config
from bot.firestartr.ratelimit import Priority, RateLimiter

from .conftest import MakeClient
from .fakes import API_KEY, START, WALL_START, FakeClock, Script, api_error, fail, reply

WORKSPACES = reply(200, {"workspaces": [{"name": "dev"}]})
RUN = reply(202, {"id": "run_1", "workspace": "dev"})


def test_timeouts_are_retried_with_jittered_backoff_then_unreachable(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(fail(httpx.ReadTimeout))
    with pytest.raises(errors.APIUnreachable) as info:
        make_client(server, retries=3, backoff=0.5).list_workspaces()
    assert info.value.user_message == (
        "fsync could not reach the Sync API at api.example.test (timed out)."
    )
    assert len(server.requests) == 4
    assert len(clock.slept) == 3
    assert all(0 <= s <= cap for s, cap in zip(clock.slept, [0.5, 1.0, 2.0], strict=True))


def test_the_pollers_listing_retries_once_its_next_tick_is_the_retry(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(api_error(503, "unavailable"))
    with pytest.raises(errors.ServerError):
        make_client(server, retries=3, backoff=0.5).list_workspaces(priority=Priority.POLLER)
    assert len(server.requests) == 2 and len(clock.slept) == 1
    people = Script(api_error(503, "unavailable"))
    with pytest.raises(errors.ServerError):
        make_client(people, retries=3, backoff=0.5).list_workspaces()
    assert len(people.requests) == 4


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (fail(httpx.ConnectError, "[Errno 111] Connection refused"), "connection refused"),
        (fail(httpx.ConnectError, "[Errno -2] Name or service not known"), "host name not found"),
        (fail(httpx.ConnectTimeout), "timed out"),
        (fail(httpx.RemoteProtocolError, "Server disconnected"), "the connection broke off"),
    ],
)
def test_transport_failures_say_what_happened(
    make_client: MakeClient, failure: Any, reason: str
) -> None:
    with pytest.raises(errors.APIUnreachable) as info:
        make_client(Script(failure), retries=1).list_workspaces()
    assert info.value.user_message == (
        f"fsync could not reach the Sync API at api.example.test ({reason})."
    )


def test_a_closed_loopback_port_is_connection_refused(clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    with SyncClient(
        f"http://127.0.0.1:{port}", API_KEY, limiter=limiter, retries=2, sleep=clock.sleep
    ) as client:
        with pytest.raises(errors.APIUnreachable) as info:
            client.list_workspaces()
    assert info.value.user_message == (
        f"fsync could not reach the Sync API at 127.0.0.1:{port} (connection refused)."
    )
    assert len(clock.slept) == 2


def test_gets_recover_after_transient_failures(make_client: MakeClient) -> None:
    server = Script(
        fail(httpx.ReadTimeout),
        reply(503, text="<html>busy</html>"),
        fail(httpx.ReadError),
        WORKSPACES,
    )
    assert [w.name for w in make_client(server).list_workspaces()] == ["dev"]
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        (lambda c: c.trigger_sync("dev"), RUN),
        (lambda c: c.trigger_sync("dev", idempotency_key="mine"), RUN),
        (lambda c: c.resolve_conflict("cfl_1", "abort"), reply(200, {"conflict": {"id": "cfl_1"}})),
    ],
)
def test_post_retries_reuse_the_same_idempotency_key(
    make_client: MakeClient, call: Any, answer: Any
) -> None:
    server = Script(
        fail(httpx.ReadTimeout),
        reply(502, text="bad gateway"),
        api_error(429, "rate_limited", retry_after=1),
        answer,
    )
    assert call(make_client(server)) is not None
    assert len(server.requests) == 4
    assert len(set(server.keys)) == 1 and server.keys[0]


def test_each_post_operation_gets_its_own_key(make_client: MakeClient) -> None:
    server = Script(RUN)
    client = make_client(server)
    client.trigger_sync("dev")
    client.trigger_sync("dev")
    assert len(set(server.keys)) == 2


@pytest.mark.parametrize(
    ("failure", "requests", "error"),
    [
        (reply(503, text="down"), 1, errors.ServerError),
        (fail(httpx.ReadTimeout), 1, errors.APIUnreachable),
        (fail(httpx.ConnectError, "Connection refused"), 4, errors.APIUnreachable),
        (fail(httpx.ConnectTimeout), 4, errors.APIUnreachable),
    ],
)
def test_put_config_is_retried_only_when_the_request_never_left(
    make_client: MakeClient, failure: Any, requests: int, error: type[Exception]
) -> None:
    server = Script(failure)
    with pytest.raises(error):
        make_client(server).put_config(Config(), etag='"v1"')
    assert len(server.requests) == requests


@pytest.mark.parametrize(
    ("headers", "waited"),
    [
        ({"Retry-After": "2"}, 2.0),
        (
            {
                "Retry-After": format_datetime(
                    datetime.fromtimestamp(WALL_START + 3, UTC), usegmt=True
                )
            },
            3.0,
        ),
        ({}, 1.0),
        ({"Retry-After": "0"}, 0.25),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL_START + 4)}, 4.0),
    ],
)
def test_429_is_handled_by_waiting(
    make_client: MakeClient, clock: FakeClock, headers: dict[str, str], waited: float
) -> None:
    limited = reply(
        429, {"error": "rate_limited", "message": "slow down", "code": 429}, headers=headers
    )
    server = Script(limited, WORKSPACES)
    assert [w.name for w in make_client(server).list_workspaces()] == ["dev"]
    assert len(server.requests) == 2
    assert clock.now - START == pytest.approx(waited, abs=0.06)


def test_429_beyond_the_wait_budget_raises_rate_limited(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(reply(429, text="Too Many Requests", headers={"Retry-After": "10"}))
    with pytest.raises(errors.RateLimited) as info:
        make_client(server, max_wait=25).list_workspaces()
    assert len(server.requests) == 3  # waited 10 + 10; a third 10 would pass 25
    assert info.value.retry_after == 10
    assert info.value.user_message == (
        "The Sync API is busy (rate limit reached); try again in about 10 s."
    )
    assert clock.now - START == pytest.approx(20, abs=0.1)


def test_a_long_retry_after_fails_at_once_and_pauses_other_callers(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(reply(429, text="", headers={"Retry-After": "60"}), WORKSPACES)
    client = make_client(server, max_wait=30)
    with pytest.raises(errors.RateLimited, match="in about 60 s"):
        client.list_workspaces()
    # The pause binds everyone: the next call cannot get a token within its budget either.
    with pytest.raises(errors.RateLimited, match="in about 60 s"):
        client.list_workspaces()
    assert len(server.requests) == 1
    assert clock.now == START
    clock.now += 60
    assert client.list_workspaces()


def test_sync_rate_limited_triggers_are_not_retried(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(api_error(429, "sync_rate_limited"), RUN)
    with pytest.raises(errors.RateLimited) as info:
        make_client(server).trigger_sync("dev")
    assert len(server.requests) == 1
    assert info.value.error == "sync_rate_limited"
    assert info.value.user_message == (
        "Firestartr limits how often syncs can be triggered; try `dev` again in a minute."
    )


def test_remaining_zero_makes_the_next_call_wait_for_the_reset(
    make_client: MakeClient, clock: FakeClock
) -> None:
    last = reply(
        200,
        {"workspaces": []},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(WALL_START + 7)},
    )
    server = Script(last, WORKSPACES)
    client = make_client(server)
    client.list_workspaces()
    assert clock.now == START
    client.list_workspaces()
    assert clock.now - START == pytest.approx(7, abs=0.06)


def test_one_client_serves_many_threads(make_client: MakeClient) -> None:
    lock = threading.Lock()
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        with lock:
            count += 1
        return WORKSPACES(request)

    client = make_client(handler, limiter=RateLimiter(1000))
    results: list[int] = []

    def work() -> None:
        for _ in range(10):
            results.append(len(client.list_workspaces()))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [1] * 80 and count == 80
