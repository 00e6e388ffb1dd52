"""The poller's listing with `changed_since`: only the changes are read, merged into its listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.fleet_cache import FleetCache
from bot.firestartr.client import SyncClient
from bot.firestartr.ratelimit import Priority
from bot.simulator.changes import ChangeLog
from bot.store import Store
from tests.support.simproc import SimProcess

from .conftest import MakeClient

POLL = Priority.POLLER


def _ws(name: str, status: str = "success", **kw: Any) -> dict[str, Any]:
    return {"name": name, "sync_enabled": True, "status": status, **kw}


class Server:
    """A fleet with a cursor per version; `changed_since` answers from a ChangeLog, as the
    simulator does, or 410 once `expire()` was called."""

    def __init__(self, *, cursors: bool = True, ignores_param: bool = False) -> None:
        self.fleet: dict[str, dict[str, Any]] = {n: _ws(n) for n in ("a", "b", "c", "d")}
        self.log = ChangeLog()
        self.log.record(self.fleet, [])
        self.cursors, self.ignores_param = cursors, ignores_param
        self.asked: list[dict[str, str]] = []  # query and If-None-Match of each request

    def set(self, name: str, status: str, **kw: Any) -> None:
        self.fleet[name] = _ws(name, status, **kw)
        self.log.record([name], [])

    def remove(self, name: str) -> None:
        del self.fleet[name]
        self.log.record([], [name])

    def expire(self) -> None:
        self.log.floor = self.log.version

    def __call__(self, request: httpx.Request) -> httpx.Response:
        since = request.url.params.get("changed_since")
        self.asked.append({"since": since or "", "tag": request.headers.get("if-none-match", "")})
        headers = {"ETag": f'"v{self.log.version}"'}
        if self.cursors:
            headers["X-Sync-Cursor"] = str(self.log.version)
        if request.headers.get("if-none-match") == headers["ETag"]:
            return httpx.Response(304, headers=headers)
        if since is None or self.ignores_param:
            body: dict[str, Any] = {"workspaces": list(self.fleet.values())}
        else:
            try:
                changed, removed = self.log.since(since)
            except Exception:
                error = {"error": "cursor_expired", "message": "too old", "code": 410}
                return httpx.Response(410, json=error)
            body = {"workspaces": [self.fleet[n] for n in changed], "removed": removed}
        return httpx.Response(200, content=json.dumps(body), headers=headers)


def _names(fleet: list[Any]) -> list[str]:
    return [ws.name for ws in fleet]


def test_changes_are_merged_in_the_full_listing_s_order(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    first = client.list_workspaces(priority=POLL)
    assert client.last_changes is None
    server.set("b", "failed", message="boom")
    server.remove("c")
    server.set("e", "success")
    fleet = client.list_workspaces(priority=POLL)
    assert server.asked[-1] == {"since": "1", "tag": '"v1"'}
    assert _names(fleet) == ["a", "b", "d", "e"] == list(server.fleet)
    assert fleet[1].status == "failed" and fleet[0] is first[0]  # the unchanged kept, not read
    changes = client.last_changes
    assert changes is not None
    assert _names(changes.workspaces) == ["b", "e"] and changes.removed == {"c"}
    assert client.last_unchanged is False
    # Removed and added again: at the end, as the full listing has it.
    server.remove("a")
    server.set("a", "failed")
    fleet = client.list_workspaces(priority=POLL)
    assert _names(fleet) == ["b", "d", "e", "a"] == list(server.fleet)
    assert client.last_changes is not None and client.last_changes.removed == frozenset()


def test_nothing_changed_is_still_a_304(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    first = client.list_workspaces(priority=POLL)
    again = client.list_workspaces(priority=POLL)
    assert client.last_unchanged is True and client.last_changes is None
    assert [a is b for a, b in zip(first, again, strict=True)] == [True] * 4


def test_an_expired_cursor_gets_one_full_listing_in_the_same_call(
    make_client: MakeClient,
) -> None:
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.set("a", "failed")
    server.expire()
    server.set("d", "failed")
    fleet = client.list_workspaces(priority=POLL)
    assert [q["since"] for q in server.asked] == ["", "1", ""]
    assert server.asked[-1]["tag"] == ""  # the fallback asks for everything
    assert [ws.status for ws in fleet] == ["failed", "success", "success", "failed"]
    assert client.last_changes is None and client.last_unchanged is False
    server.set("b", "failed")
    client.list_workspaces(priority=POLL)
    assert server.asked[-1]["since"] == "3"  # the new listing's cursor is used next


def test_people_and_full_listings_never_ask_with_the_cursor(make_client: MakeClient) -> None:
    server = Server()
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.set("a", "failed")
    client.list_workspaces()
    client.list_workspaces(priority=POLL, full=True)
    assert [q["since"] for q in server.asked] == ["", "", ""]
    assert client.last_changes is None


@pytest.mark.parametrize("server", [Server(cursors=False), Server(ignores_param=True)])
def test_without_cursors_or_with_a_server_that_ignores_them_listings_stay_whole(
    make_client: MakeClient, server: Server
) -> None:
    client = make_client(server)
    client.list_workspaces(priority=POLL)
    server.remove("c")
    fleet = client.list_workspaces(priority=POLL)
    assert _names(fleet) == ["a", "b", "d"]
    assert client.last_changes is None
    if not server.cursors:
        assert [q["since"] for q in server.asked] == ["", ""]  # never asked with one


def test_against_the_simulator_the_merged_listing_is_the_full_listing(sim: SimProcess) -> None:
    with SyncClient(sim.url, sim.key, retries=0) as client:
        client.list_workspaces(priority=POLL)
        sim.control("POST", "/_sim/workspaces/production/state", json={"status": "failed"})
        sim.control("DELETE", "/_sim/workspaces/staging").raise_for_status()
        sim.control("POST", "/_sim/workspaces", json={"name": "fresh"}).raise_for_status()
        merged = client.list_workspaces(priority=POLL)
        assert client.last_changes is not None
        assert {ws.name for ws in client.last_changes.workspaces} >= {"production", "fresh"}
        assert client.last_changes.removed == {"staging"}
        whole = client.list_workspaces()
        assert [ws.model_dump() for ws in merged] == [ws.model_dump() for ws in whole]


def test_a_poll_merges_in_place_and_a_fleet_read_before_it_does_not_move(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """The poller's listing is merged in place (a new list of the whole fleet on every poll made
    every garbage collection of the tick walk it); a person's view is a copy taken when read."""
    server = Server()
    client = make_client(server)
    cache = FleetCache(client, Store(tmp_path / "fsync.db"))
    first = client.list_workspaces(priority=POLL)
    cache.remember_fleet(first)
    shown = cache.cached()
    assert shown is not None
    server.set("b", "failed", message="boom")
    again = client.list_workspaces(priority=POLL)
    assert again is first and again[1].status == "failed"
    assert [ws.status for ws in shown.workspaces] == ["success"] * 4  # as it was shown
    now = cache.cached()
    assert now is not None and now.workspaces[1].status == "failed"
    assert client.list_workspaces(priority=POLL) is first  # a 304: the same list again
    assert client.last_unchanged
