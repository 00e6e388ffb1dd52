"""maybe_changed(): the workspaces of a full listing that diff() must look at. Every one it leaves
out must be one diff() would have passed over as unchanged, or an alert is lost."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.diff import diff
from bot.alerts.maybe_changed import maybe_changed
from bot.alerts.model import WorkspaceSnapshot
from bot.core.fleet import STALL_FLOOR, is_stalled
from bot.firestartr.models import Workspace
from tests.alerts.conftest import NOW, ws

OVERDUE = NOW - STALL_FLOOR
MOMENTS = st.sampled_from(
    [None, NOW - timedelta(hours=2), OVERDUE, NOW - timedelta(minutes=5), NOW + timedelta(hours=1)]
)
WORKSPACES = st.builds(
    lambda name, status, message, last, nxt, conflicts, enabled: ws(
        name,
        status,
        message,
        last_sync=last,
        next_sync=nxt,
        open_conflicts=conflicts,
        sync_enabled=enabled,
    ),
    st.sampled_from(["a", "b", "c", "d"]),
    st.sampled_from(["success", "failed", "conflict", "running", "disabled"]),
    st.sampled_from([None, "boom"]),
    MOMENTS,
    MOMENTS,
    st.integers(0, 1),
    st.booleans(),
)
SNAPSHOTS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "e"]),
    st.builds(
        WorkspaceSnapshot,
        st.sampled_from(["success", "failed", "conflict", "running"]),
        st.sampled_from([None, "boom"]),
        MOMENTS,
        st.integers(0, 1),
        st.booleans(),
        st.sampled_from([None, "ep_1"]),
    ),
)


def unchanged(before: WorkspaceSnapshot | None, w: Workspace) -> bool:
    """diff()'s own test of a workspace that needs nothing."""
    stalled = w.next_sync is not None and w.next_sync < OVERDUE and is_stalled(w, NOW)
    return before is not None and (
        before.status,
        before.message,
        before.last_sync,
        before.open_conflicts,
        before.stalled,
    ) == (w.status, w.message, w.last_sync, w.open_conflicts, stalled)


@settings(max_examples=500, deadline=None)
@given(SNAPSHOTS, st.lists(WORKSPACES, max_size=6))
def test_it_leaves_out_only_workspaces_diff_finds_unchanged(
    prev: dict[str, WorkspaceSnapshot], fleet: list[Workspace]
) -> None:
    kept = list(maybe_changed(prev, fleet, OVERDUE))
    assert all(any(k is w for w in fleet) for k in kept)
    left_out = [w for w in fleet if not any(k is w for k in kept)]
    assert all(unchanged(prev.get(w.name), w) for w in left_out)
    # ...and so diff() says the same with and without the ones left out.
    assert diff(prev, {}, fleet, NOW).seen == diff(prev, {}, kept, NOW).seen


def test_an_unchanged_fleet_leaves_only_the_overdue_and_the_stalled() -> None:
    fleet = [ws(f"w{n}") for n in range(100)]
    fleet[7] = ws("w7", next_sync=NOW - timedelta(hours=1))  # overdue: may have stalled
    first = diff({}, {}, fleet, NOW)
    assert [w.name for w in maybe_changed(first.seen, fleet, OVERDUE)] == ["w7"]
    assert diff(first.seen, {}, fleet, NOW).seen == {}


def test_a_workspace_that_stalls_with_time_alone_is_looked_at() -> None:
    late = ws("w1", next_sync=NOW - timedelta(hours=1))
    fleet = [ws("w0"), late]
    earlier = diff({}, {}, fleet, NOW - timedelta(hours=1))  # then its next sync was due now
    assert not earlier.seen["w1"].stalled
    assert list(maybe_changed(earlier.seen, fleet, OVERDUE)) == [late]
    assert [e.kind for e in diff(earlier.seen, {}, fleet, NOW).events] == ["stalled"]
