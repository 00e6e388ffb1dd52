"""Arbitrary Sync API answers, schema-shaped or garbage: fsync never crashes, always answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.authz import Policy
from bot.core.fleet import FleetView
from bot.errors import SyncAPIError
from bot.firestartr.client import SyncClient
from bot.slack import views

NOW = datetime(2026, 11, 27, tzinfo=UTC)
POLICY = Policy(frozenset({"UA"}), frozenset({"UO"}), ("prod*",))
KEY = "fuzz-key-never-shown"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
workspace = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=30)},
    optional={
        "sync_enabled": st.one_of(st.booleans(), scalars),
        "status": st.one_of(
            st.sampled_from(["success", "failed", "conflict", "running", "???"]), scalars
        ),
        "last_sync": st.one_of(st.none(), st.text(max_size=30), st.just("2026-11-27T10:00:00Z")),
        "next_sync": st.one_of(st.none(), st.text(max_size=30), st.just("2026-11-27T09:00:00Z")),
        "sync_interval": scalars,
        "message": scalars,
        "open_conflicts": scalars,
        "extra": json_values,
    },
)
listing = st.one_of(
    st.fixed_dictionaries({"workspaces": st.lists(workspace, max_size=8)}),
    st.fixed_dictionaries({"workspaces": json_values}),
    json_values,
)
bodies = st.one_of(
    listing.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.just(b"<html><body>502 Bad Gateway</body></html>"),
)
statuses = st.sampled_from([200, 200, 200, 400, 401, 404, 409, 429, 500, 502, 503])


def client_answering(status: int, body: bytes) -> SyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Retry-After": "0"} if status == 429 else {}
        return httpx.Response(status, content=body, headers=headers)

    return SyncClient(
        "http://sim.test",
        KEY,
        transport=httpx.MockTransport(handler),
        retries=0,
        max_wait=0.0,
        sleep=lambda _: None,
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=statuses, body=bodies)
def test_any_listing_gives_a_view_or_a_clear_error(status: int, body: bytes) -> None:
    client = client_answering(status, body)
    try:
        workspaces = client.list_workspaces()
    except SyncAPIError as exc:
        assert exc.user_message and KEY not in exc.user_message
        views.error_message(exc)
        return
    fleet = FleetView(workspaces, NOW, live=True)
    message = views.status_overview(fleet, NOW)
    assert message["text"] and len(message["blocks"]) <= 50
    for ws in workspaces[:3]:
        views.workspace_detail(ws, fleet, [], NOW, POLICY)


conflict = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=20)},
    optional={
        "workspace": scalars,
        "summary": scalars,
        "status": scalars,
        "type": scalars,
        "resources": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "address": st.text(max_size=30),
                        "changed_attributes": st.lists(
                            st.fixed_dictionaries(
                                {},
                                optional={
                                    "path": st.text(max_size=20),
                                    "desired": json_values,
                                    "actual": json_values,
                                    "sensitive": st.booleans(),
                                },
                            ),
                            max_size=3,
                        ),
                    },
                ),
                max_size=3,
            ),
        ),
        "allowed_resolutions": st.one_of(st.lists(st.text(max_size=20), max_size=5), json_values),
    },
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=statuses,
    payload=st.one_of(
        st.fixed_dictionaries({"conflicts": st.lists(conflict, max_size=4)}), json_values
    ),
)
def test_any_conflict_list_gives_cards_or_a_clear_error(status: int, payload: Any) -> None:
    client = client_answering(status, json.dumps(payload).encode())
    try:
        found = client.list_conflicts()
    except SyncAPIError as exc:
        assert exc.user_message
        return
    message = views.conflicts_message(found, POLICY, None)
    assert message["text"] and len(message["blocks"]) <= 50


def test_regression_infinite_conflict_count_is_read_as_zero() -> None:
    client = client_answering(200, b'{"workspaces": [{"name": "a", "open_conflicts": Infinity}]}')
    (ws,) = client.list_workspaces()
    assert ws.open_conflicts == 0
