"""What the Sync API client records: requests by endpoint template and status, 429s, and the
seconds the rate limiter held a call; never a workspace name or a run id as a label."""

from __future__ import annotations

import httpx
import pytest

from bot.errors import APIUnreachable
from bot.firestartr.ratelimit import RateLimiter
from bot.metrics import Metrics
from tests.support.scrape import samples

from .conftest import MakeClient
from .fakes import FakeClock, Script, api_error, reply


def test_requests_are_counted_by_template_and_status_with_429s_and_limiter_waits(
    make_client: MakeClient, clock: FakeClock
) -> None:
    metrics = Metrics()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, wall=clock.wall, metrics=metrics)
    server = Script(
        api_error(429, "rate_limited", retry_after=1),
        reply(202, {"id": "run_secret_7", "workspace": "team-secret-ws"}),
    )
    client = make_client(server, limiter=limiter, metrics=metrics)

    client.trigger_sync("team-secret-ws")

    text = metrics.scrape().decode()
    seen = samples(text)
    sync = 'endpoint="POST /workspaces/{name}/sync"'
    assert seen[f'fsync_sync_api_requests_total{{{sync},status="429"}}'] == 1
    assert seen[f'fsync_sync_api_requests_total{{{sync},status="202"}}'] == 1
    assert seen["fsync_sync_api_429_total"] == 1
    assert seen["fsync_rate_limiter_wait_seconds_count"] == 1
    assert seen["fsync_rate_limiter_wait_seconds_sum"] >= 0.9  # the 429's Retry-After
    assert "team-secret-ws" not in text and "run_secret_7" not in text


def test_a_request_that_never_got_an_answer_counts_as_error(
    make_client: MakeClient,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    metrics = Metrics()
    client = make_client(refuse, metrics=metrics, retries=0)
    with pytest.raises(APIUnreachable):
        client.get_run("run_1")
    seen = samples(metrics.scrape().decode())
    assert seen['fsync_sync_api_requests_total{endpoint="GET /runs/{id}",status="error"}'] == 1
