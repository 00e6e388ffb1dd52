"""SyncClient.run_log: the [ASSUMED] run log endpoint, read with a bound, feature-detected."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from bot import errors
from bot.firestartr.client import LOG_MAX_BYTES

from .conftest import MakeClient
from .fakes import Script, api_error, reply

LOG = "Initializing the backend...\n\x1b[31m│\x1b[0m Error: boom\n"


def test_run_log_asks_for_the_tail_and_returns_the_text_as_sent(make_client: MakeClient) -> None:
    server = Script(reply(200, text=LOG, content_type="text/plain; charset=utf-8"))
    client = make_client(server)
    assert client.run_log("run_1", tail=50) == LOG
    assert client.run_log("run_1", tail=10**6) == LOG
    assert client.run_log("run_1", tail=0) == LOG
    paths = [(r.url.path, r.url.params["tail"]) for r in server.requests]
    path = "/v1/terraform/sync/runs/run_1/log"
    assert paths == [(path, "50"), (path, "1000"), (path, "1")]  # 1 to 1000, as the contract
    assert server.requests[0].headers["authorization"].startswith("Bearer ")


def test_an_id_that_is_not_a_path_segment_is_refused_before_asking(make_client: MakeClient) -> None:
    server = Script(reply(200, text=LOG))
    client = make_client(server)
    for bad in ("../config", "run 1", "run%2F1", ".."):
        with pytest.raises(errors.InvalidIdentifier):
            client.run_log(bad)
    assert server.requests == []


def test_a_huge_answer_is_read_with_a_bound_and_its_end_kept(make_client: MakeClient) -> None:
    sent: list[int] = []
    line = b"aws_s3_bucket.x: Still creating... [10s elapsed]\n"

    def endless() -> Iterator[bytes]:
        for n in range(1_000_000):  # ~50 MB if anyone read it all
            chunk = line * 100 if n < 999_999 else b"Error: the last line\n"
            sent.append(len(chunk))
            yield chunk

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(), headers={"content-type": "text/plain"})

    text = make_client(server).run_log("run_1")
    assert sum(sent) <= 4 * LOG_MAX_BYTES + len(line) * 100  # stopped reading, did not drain
    assert len(text.encode()) <= LOG_MAX_BYTES
    assert text.startswith("aws_s3_bucket.x")  # a cut first line is dropped, not shown half
    assert text.endswith("[10s elapsed]\n")


def test_a_compressed_answer_is_read_as_text(make_client: MakeClient) -> None:
    body = gzip.compress(LOG.encode())

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-encoding": "gzip"})

    assert make_client(server).run_log("run_1") == LOG


def test_run_not_found_is_a_missing_run_not_a_missing_feature(make_client: MakeClient) -> None:
    client = make_client(Script(api_error(404, "run_not_found", "Run 'run_9' does not exist")))
    with pytest.raises(errors.RunNotFound):
        client.run_log("run_9")
    assert client.features["logs"] is True


@pytest.mark.parametrize("answer", [api_error(404, "not_found"), reply(405, text="")])
def test_a_server_without_logs_turns_the_feature_off_for_a_while(
    make_client: MakeClient, answer: object
) -> None:
    server = Script(answer)  # type: ignore[arg-type]
    client = make_client(server)
    for _ in range(2):
        with pytest.raises(errors.FeatureUnavailable) as info:
            client.run_log("run_1")
        assert info.value.feature == "logs"
        assert info.value.user_message == "This Sync API server does not offer run logs."
    assert len(server.requests) == 1
    assert client.features == {"runs": True, "conflicts": True, "logs": False, "approvals": True}
