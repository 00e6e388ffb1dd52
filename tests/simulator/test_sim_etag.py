"""The fleet listing is conditional: an ETag, and 304 with no body while nothing changed."""

from __future__ import annotations

import httpx

from bot.simulator.model import WorkspaceState
from bot.simulator.state import Store
from tests.simulator.helpers import V1
from tests.support.simproc import SimProcess

LIST = f"{V1}/workspaces"


def test_the_tag_holds_while_nothing_changes_and_moves_on_a_change(
    sim: SimProcess, api: httpx.Client
) -> None:
    first = api.get(LIST)
    tag = first.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert api.get(LIST).headers["ETag"] == tag

    same = api.get(LIST, headers={"If-None-Match": tag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["ETag"] == tag

    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "failed"})
    changed = api.get(LIST, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    production = [w for w in changed.json()["workspaces"] if w["name"] == "production"]
    assert production[0]["status"] == "failed"


def test_a_stale_or_foreign_tag_gets_the_full_listing(api: httpx.Client) -> None:
    for sent in ('"ws-0"', "garbage", ""):
        answer = api.get(LIST, headers={"If-None-Match": sent})
        assert answer.status_code == 200
        assert answer.json()["workspaces"]


def test_a_304_is_not_counted_against_the_rate_limit(sim: SimProcess, api: httpx.Client) -> None:
    sim.control("POST", "/_sim/faults", json={"rate_limit_per_minute": 3})
    tag = api.get(LIST).headers["ETag"]
    answers = [api.get(LIST, headers={"If-None-Match": tag}) for _ in range(10)]
    assert [a.status_code for a in answers] == [304] * 10
    assert {a.headers["X-RateLimit-Remaining"] for a in answers} == {"2"}
    assert api.get(LIST).status_code == 200
    assert api.get(LIST).status_code == 200
    assert api.get(LIST).status_code == 429


def test_a_touch_that_changes_nothing_keeps_the_tag() -> None:
    store = Store()
    store.load([WorkspaceState(name=f"ws-{i}", sync_interval="5m") for i in range(3)])
    tag = store.list_etag()
    store.touch_all()
    store.touch(store.workspaces["ws-1"])
    assert store.list_etag() == tag
    store.workspaces["ws-1"].message = "Error: boom"
    store.touch(store.workspaces["ws-1"])
    assert store.list_etag() != tag
