"""`changed_since`: the listing's cursor, and only what changed since it (or 410 when too old)."""

from __future__ import annotations

import time

import httpx

from bot.simulator.changes import ChangeLog
from bot.simulator.model import WorkspaceState
from bot.simulator.state import Store
from tests.simulator.helpers import V1, error_of
from tests.support.simproc import SimProcess

LIST = f"{V1}/workspaces"
CURSOR = "X-Sync-Cursor"


def _since(api: httpx.Client, cursor: str) -> httpx.Response:
    return api.get(LIST, params={"changed_since": cursor})


def test_changed_since_answers_the_changed_the_removed_and_a_new_cursor(
    sim: SimProcess, api: httpx.Client
) -> None:
    full = api.get(LIST)
    cursor = full.headers[CURSOR]
    assert full.json().keys() == {"workspaces"}  # clients that ignore the cursor see no change

    nothing = _since(api, cursor)
    assert nothing.status_code == 200
    assert nothing.json() == {"workspaces": [], "removed": []}
    assert nothing.headers[CURSOR] == cursor
    assert nothing.headers["ETag"] == full.headers["ETag"]

    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "failed"})
    sim.control("DELETE", "/_sim/workspaces/sandbox").raise_for_status()
    sim.control("POST", "/_sim/workspaces", json={"name": "new-one"}).raise_for_status()
    delta = _since(api, cursor)
    body = delta.json()
    assert sorted(w["name"] for w in body["workspaces"]) == ["new-one", "production"]
    assert body["removed"] == ["sandbox"]
    production = next(w for w in body["workspaces"] if w["name"] == "production")
    now = api.get(LIST)
    assert production == next(w for w in now.json()["workspaces"] if w["name"] == "production")
    assert delta.headers[CURSOR] == now.headers[CURSOR] != cursor
    assert delta.headers["ETag"] == now.headers["ETag"]
    assert _since(api, delta.headers[CURSOR]).json() == {"workspaces": [], "removed": []}


def test_a_current_tag_still_answers_304_with_the_cursor(api: httpx.Client) -> None:
    full = api.get(LIST)
    headers = {"If-None-Match": full.headers["ETag"]}
    same = api.get(LIST, params={"changed_since": full.headers[CURSOR]}, headers=headers)
    assert same.status_code == 304 and same.content == b""
    assert same.headers[CURSOR] == full.headers[CURSOR]


def test_an_unknown_or_malformed_or_pre_reset_cursor_answers_410(
    sim: SimProcess, api: httpx.Client
) -> None:
    before = api.get(LIST).headers[CURSOR]
    ahead = str(int(before) + 5)
    for cursor in (ahead, "garbage", "", "-1", "9" * 40, "１２"):
        gone = _since(api, cursor)
        assert gone.status_code == 410, cursor
        assert error_of(gone) == "cursor_expired"
    sim.reset()
    assert _since(api, before).status_code == 410
    assert _since(api, api.get(LIST).headers[CURSOR]).status_code == 200


def test_removed_names_are_kept_in_a_bounded_list_then_the_cursor_expires() -> None:
    store = Store()
    store.changes = ChangeLog(keep_removed=3)
    store.clear()
    store.load([WorkspaceState(name=f"ws-{i}", sync_interval="5m") for i in range(6)])
    start = store.list_cursor()
    for i in range(3):
        del store.workspaces[f"ws-{i}"]
        store.touch(WorkspaceState(name=f"ws-{i}", sync_interval="5m"))
        store.settle()
    assert store.changes.since(start) == ([], ["ws-2", "ws-1", "ws-0"])
    del store.workspaces["ws-3"]
    store.touch(WorkspaceState(name="ws-3", sync_interval="5m"))
    assert _expired(store, start)
    assert not _expired(store, str(int(start) + 1))


def test_a_workspace_deleted_and_added_again_is_both_removed_and_changed() -> None:
    """It moved to the end of the listing: a client that drops it and appends it keeps the same
    order as the full listing."""
    store = Store()
    store.load([WorkspaceState(name=n, sync_interval="5m") for n in ("a", "b", "c")])
    start = store.list_cursor()
    del store.workspaces["a"]
    store.touch(WorkspaceState(name="a", sync_interval="5m"))
    store.put_workspace(WorkspaceState(name="a", sync_interval="5m"))
    store.settle()
    assert store.changes.since(start) == (["a"], ["a"])
    listing = store.list_bytes()
    assert listing.index(b'"name":"b"') < listing.index(b'"name":"a"')


def test_one_percent_changed_of_50_000_is_answered_from_the_changed_alone() -> None:
    """Cheap at 50,000 workspaces: the answer's cost follows the changes, not the fleet."""
    store = Store()
    store.load([WorkspaceState(name=f"ws-{i:05d}", sync_interval="5m") for i in range(50_000)])
    start = store.list_cursor()
    for i in range(0, 50_000, 100):
        ws = store.workspaces[f"ws-{i:05d}"]
        ws.status = "failed"
        store.touch(ws)
    began = time.perf_counter()
    answer = store.changed_bytes(start)
    took = time.perf_counter() - began
    assert answer.count(b'"status":"failed"') == 500
    assert took < 0.05, took  # a full listing's join alone takes longer; this walks 500 entries


def _expired(store: Store, cursor: str) -> bool:
    try:
        store.changed_bytes(cursor)
    except Exception as exc:
        return type(exc).__name__ == "CursorExpired"
    return False
