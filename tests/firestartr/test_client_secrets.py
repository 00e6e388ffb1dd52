"""The API key never shows: not in repr, not in any error, not in any log line."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import FsyncError
from bot.firestartr.client import SyncClient
from bot.firestartr.ratelimit import RateLimiter

from .conftest import MakeClient
from .fakes import API_KEY, FakeClock, Script, api_error, fail, reply

ANSWERS = [
    api_error(401, "unauthorized", f"Key {API_KEY[:4]}... is not valid"),
    reply(502, text="<html>bad gateway</html>"),
    reply(200, text="<html>login</html>"),
    reply(404, text="nope"),
    api_error(409, "sync_in_progress", run_id="run_1"),
    api_error(429, "sync_rate_limited"),
    fail(httpx.ReadTimeout, "timed out"),
    fail(httpx.ConnectError, "Connection refused"),
    reply(422, {"error": "validation_error", "details": [{"field": "a", "message": "b"}]}),
]


def _everything_said(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc)), repr(exc)]
    cause: BaseException | None = exc
    while cause is not None:
        parts += [str(cause), repr(cause), repr(getattr(cause, "request", None))]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_key_is_in_no_error_and_no_log_line(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture, answer: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    client = make_client(Script(answer), max_wait=3)
    with pytest.raises(FsyncError) as info:
        client.trigger_sync("staging")
    assert API_KEY not in _everything_said(info.value)
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(client)


def test_repr_names_the_server_not_the_key() -> None:
    client = SyncClient(
        "https://user:pw@api.example.test/",
        SecretStr(API_KEY),
        transport=httpx.MockTransport(Script(reply(204))),
    )
    assert repr(client) == (
        "SyncClient(base_url='https://api.example.test', "
        "features={'runs': True, 'conflicts': True, 'logs': True, 'approvals': True})"
    )
    assert "pw" not in repr(client)
    client.close()


def test_a_real_connection_logs_no_key(caplog: pytest.LogCaptureFixture) -> None:
    """Through httpx's real transport and httpcore's DEBUG logging (it refuses at once)."""
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    with (
        SyncClient(
            "http://127.0.0.1:9", API_KEY, limiter=limiter, retries=1, sleep=clock.sleep
        ) as client,
        pytest.raises(FsyncError) as info,
    ):
        client.list_workspaces()
    assert API_KEY not in caplog.text
    assert API_KEY not in _everything_said(info.value)
