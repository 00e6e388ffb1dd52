"""A post to a response_url that never answers holds no thread that answers Slack: while such
posts hang, other requests are still acknowledged at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack

from bot.slack.reply import guarded
from tests.slack.conftest import Fsync
from tests.support import slackreq
from tests.support.botproc import ADMIN
from tests.support.hanging import Hanging

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FAST = 1.0  # seconds; Slack's deadline is 3


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    server = Hanging().start()
    yield server
    server.stop()


def broken_middleware(body: dict[str, Any], next: Callable[[], None]) -> None:
    """A bug outside the listeners: Bolt calls @app.error on the thread that answers Slack."""
    if body.get("text") == "break":
        raise RuntimeError("a bug")
    return next()


def timed_post(fsync: Fsync, text: str, response_url: str) -> tuple[float, int, bytes]:
    body = slackreq.command_body(text, user=ADMIN, channel="C1", response_url=response_url)
    started = time.monotonic()
    answer = fsync.post(body, {**slackreq.sign(body), **FORM})
    return time.monotonic() - started, answer.status, answer.body


def test_error_reports_to_a_hanging_response_url_do_not_hold_acks(
    fsync: Fsync, hanging: Hanging
) -> None:
    fsync.app.use(broken_middleware)
    with ThreadPoolExecutor(10) as threads:
        broken = list(
            threads.map(lambda n: timed_post(fsync, "break", f"{hanging.url}/{n}"), range(10))
        )
    assert all(status == 500 for _, status, _ in broken)
    assert max(took for took, _, _ in broken) < FAST
    hanging.wait_for(connections=10)  # every report was sent, and hangs

    took, status, body = timed_post(fsync, "help", f"{hanging.url}/help")
    assert status == 200 and b"/fsync status" in body
    assert took < FAST


def test_a_listener_failing_before_its_ack_is_acked_before_the_error_is_reported() -> None:
    @guarded
    def listener(ack: Ack, body: dict[str, Any], client: Any) -> None:
        raise RuntimeError("before ack")

    ack = Ack()
    # Nobody to tell (no response_url, no user): the report returns at once.
    listener(ack=ack, body={}, client=None)
    assert ack.response is not None and ack.response.status == 200
