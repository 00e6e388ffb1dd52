"""The real server's edge: an unsigned flood aimed at a response_url that never answers leaves
acks fast, and a body too big is refused before the rest of it arrives."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support import slackreq
from tests.support.botproc import ADMIN, BotProcess
from tests.support.hanging import Hanging

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    server = Hanging().start()
    yield server
    server.stop()


def test_unsigned_flood_at_a_hanging_response_url_leaves_acks_fast(
    bot: BotProcess, hanging: Hanging
) -> None:
    body = slackreq.command_body("status", user=ADMIN, channel="C1", response_url=hanging.url)
    flood_headers = {
        "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": "v0=x",
        "Content-Type": FORM,
    }

    def unsigned(_: int) -> int | str:
        try:
            return bot.http.post(
                "/slack/events", content=body, headers=flood_headers, timeout=5
            ).status_code
        except httpx.TimeoutException:
            return "timeout"

    with ThreadPoolExecutor(20) as threads:
        answers = list(threads.map(unsigned, range(60)))
    assert answers == [401] * 60

    help_body = slackreq.command_body(
        "help", user=ADMIN, channel="C1", response_url=bot.slack.response_url("help")
    )
    started = time.monotonic()
    answer = bot.post(help_body)
    took = time.monotonic() - started
    assert answer.status_code == 200 and "/fsync status" in answer.text
    assert took < 1.0
    assert hanging.connections == 0  # nothing in an unsigned body was used
    log = bot.log()
    assert "refused a request to /slack/events: 401" in log
    assert hanging.url.split("/hooks")[0] not in log and "token=" not in log


def raw_request(bot: BotProcess, head: str, body_parts: Iterator[bytes]) -> str:
    """Send a request that never finishes its body; return the status line the bot answers."""
    with socket.create_connection(("127.0.0.1", bot.port), timeout=5) as sock:
        sock.sendall(head.encode())
        for part in body_parts:
            sock.sendall(part)
        return sock.recv(200).decode(errors="replace").split("\r\n", 1)[0]


def test_a_body_over_one_mib_is_refused_413_before_the_rest_arrives(bot: BotProcess) -> None:
    ts = str(int(time.time()))
    head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
    head += f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
    announced = head + f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    assert raw_request(bot, announced, iter([b"x" * 65536])).startswith("HTTP/1.1 413 ")

    chunk = b"x" * 65536
    chunked = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(18))  # > 1 MiB
    status = raw_request(bot, head + "Transfer-Encoding: chunked\r\n\r\n", chunked)
    assert status.startswith("HTTP/1.1 413 ")
