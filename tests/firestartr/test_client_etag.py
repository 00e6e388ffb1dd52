"""The fleet listing with If-None-Match: a 304 gives back the last listing without a body."""

from __future__ import annotations

import json

import httpx

from bot.firestartr.ratelimit import Priority

from .conftest import MakeClient

POLL = Priority.POLLER  # only the poller's lane asks with a tag

LISTING = {
    "workspaces": [
        {"name": "production", "sync_enabled": True, "status": "success"},
        {"name": "staging", "sync_enabled": True, "status": "failed", "message": "Error: x"},
    ]
}


class Server:
    """Answers the listing with tag "v1"; a request carrying it gets 304 (rate headers too)."""

    def __init__(self, etag: str | None = '"v1"') -> None:
        self.etag = etag
        self.sent: list[str | None] = []
        self.remaining = "50"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        sent = request.headers.get("if-none-match")
        self.sent.append(sent)
        rate = {"X-RateLimit-Remaining": self.remaining, "X-RateLimit-Reset": "30"}
        if self.etag is not None and sent == self.etag:
            return httpx.Response(304, headers={"ETag": self.etag, **rate})
        headers = {"ETag": self.etag} if self.etag else {}
        return httpx.Response(200, content=json.dumps(LISTING), headers={**headers, **rate})


def test_a_304_returns_the_same_models_without_a_body(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    first = client.list_workspaces(priority=POLL)
    assert client.last_unchanged is False
    again = client.list_workspaces(priority=POLL)
    assert server.sent == [None, '"v1"']
    assert client.last_unchanged is True
    assert [a is b for a, b in zip(first, again, strict=True)] == [True, True]
    assert again[1].status == "failed"


def test_a_changed_listing_is_read_and_its_new_tag_sent_next(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.etag = '"v2"'
    fleet = client.list_workspaces(priority=POLL)
    assert client.last_unchanged is False
    assert len(fleet) == 2
    client.list_workspaces(priority=POLL)
    assert server.sent == [None, '"v1"', '"v2"']
    assert client.last_unchanged is True


def test_full_asks_without_the_tag(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    client.list_workspaces(priority=POLL, full=True)
    assert server.sent == [None, None]
    assert client.last_unchanged is False


def test_a_server_without_etags_is_never_asked_with_one(make_client: MakeClient) -> None:
    server = Server(etag=None)
    client = make_client(server)
    for _ in range(3):
        assert len(client.list_workspaces(priority=POLL)) == 2
    assert server.sent == [None, None, None]
    assert client.last_unchanged is False


def test_rate_limit_headers_are_read_on_a_304(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.remaining = "0"
    client.list_workspaces(priority=POLL)
    assert client.last_unchanged is True
    assert client._limiter.paused_for() > 0


def test_people_s_listings_never_ask_with_the_poller_s_tag(make_client: MakeClient) -> None:
    """A /fsync status between two polls must not use up the poller's news: people list in full,
    and the poller's next conditional request is judged against its own last listing."""
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.etag = '"v2"'  # the fleet changed
    client.list_workspaces()  # a person: no tag sent, the new listing read
    assert server.sent[-1] is None
    client.list_workspaces(priority=POLL)
    assert server.sent[-1] == '"v1"' and client.last_unchanged is False  # the poller sees it
