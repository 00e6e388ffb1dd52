"""The fleet listing as the poller reads it on every poll: what it holds in memory, and that the
reuse of unchanged items never changes what is read (benchmark 2, bench/poll_tick.py)."""

from __future__ import annotations

import gc
import inspect
import json
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.firestartr import models
from bot.firestartr.models import Workspace

from .conftest import MakeClient
from .fakes import Script, reply

FLEET = 5_000


def listing(n: int) -> bytes:
    """A fleet as the simulator lists it: every field of the contract on every workspace."""
    items = [
        {
            "name": f"ws-{i:05d}",
            "sync_enabled": True,
            "last_sync": f"2026-11-30T21:{i % 60:02d}:49Z",
            "status": "failed" if i % 33 == 0 else "success",
            "next_sync": f"2026-11-30T22:{i % 60:02d}:49Z",
            "sync_interval": "10m",
            "auto_apply": False,
            "open_conflicts": 0,
            "current_run_id": None,
            "last_run_id": f"run_{i:08d}",
            "message": "Error: state lock" if i % 33 == 0 else None,
        }
        for i in range(n)
    ]
    return json.dumps({"workspaces": items}).encode()


def test_a_listing_read_holds_under_600_bytes_a_workspace(make_client: MakeClient) -> None:
    # What the poller keeps between polls: the models and the listing cache. At 50,000 workspaces
    # a BaseModel Workspace held ~1.7 KB each (85 MB), most of the budget "peak RSS under 150 MB".
    body = listing(FLEET)
    client = make_client(Script(reply(200, text=body.decode(), content_type="application/json")))
    gc.collect()
    tracemalloc.start(64)
    try:
        fleet = client.list_workspaces()
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    # What the listing's reading allocated and still holds: not what another thread of the test
    # process (a server or pool a test before left running) allocated meanwhile.
    mine = snapshot.filter_traces([tracemalloc.Filter(True, "*/bot/*", all_frames=True)])
    # Nor the table of interned strings, which doubles when full (process-wide, 1.9 MB when it
    # happened to double inside this window after other tests had interned names).
    lines, first = inspect.getsourcelines(models._shared)
    at = first + next(n for n, line in enumerate(lines) if "sys.intern" in line)
    mine = mine.filter_traces([tracemalloc.Filter(False, models.__file__, lineno=at)])
    held = sum(stat.size for stat in mine.statistics("filename"))
    assert len(fleet) == FLEET and fleet[33].status == "failed"
    assert held / FLEET < 600, f"{held / FLEET:.0f} bytes a workspace"


# Items as odd as a server may send: fields missing, unknown or mistyped, nested values, names
# that repeat or are not strings, entries that are not objects at all.
NAMES = st.sampled_from(["prod", "dev", "qa", "lab"])
# (Not -1 and -2: they hash alike, and ListingCache says so.)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from(["", "x", "1"]))
ITEM = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(NAMES, NAMES, NAMES, st.integers(0, 2)),
        "status": st.one_of(st.sampled_from(["success", "failed", "conflict"]), SCALARS),
        "message": st.one_of(st.sampled_from(["boom", "lock"]), SCALARS),
        "last_sync": st.one_of(st.sampled_from(["2025-10-13T14:00:00Z", "soon"]), SCALARS),
        "open_conflicts": SCALARS,
        "sync_enabled": SCALARS,
        "extra": st.one_of(SCALARS, st.lists(SCALARS, max_size=2)),
    },
)
LISTING = st.lists(st.one_of(ITEM, ITEM, ITEM, SCALARS), max_size=6)


def read_afresh(items: list[Any]) -> list[Workspace]:
    out = []
    for item in items:
        try:
            out.append(Workspace.model_validate(item))
        except ValidationError:
            pass
    return out


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(LISTING, min_size=1, max_size=4))
def test_consecutive_listings_read_as_each_alone_and_reuse_only_unchanged_items(
    make_client: MakeClient, listings: list[list[Any]]
) -> None:
    client = make_client(Script(*(reply(200, {"workspaces": items}) for items in listings)))
    last: dict[str, tuple[Any, Workspace]] = {}
    for items in listings:
        fleet = client.list_workspaces()
        assert fleet == read_afresh(items)
        for item, ws in zip([i for i in items if read_afresh([i])], fleet, strict=True):
            before = last.get(ws.name)
            same = before is not None and list(before[0].items()) == list(item.items())
            if same and type(item.get("extra")) is not list:
                assert ws is before[1]  # type: ignore[index]  # unchanged: the same model
        names = [ws.name for ws in fleet]
        readable = [i for i in items if read_afresh([i])]
        last = {ws.name: (item, ws) for item, ws in zip(readable, fleet, strict=True)}
        if len(set(names)) != len(names):
            last = {}  # which of two items of one name was kept is not promised
