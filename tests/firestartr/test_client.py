"""SyncClient over MockTransport: what it sends, and how tolerantly it reads the answers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot import __version__
from bot.errors import Unauthorized, UnexpectedResponse
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Config, WorkspaceConfig
from bot.firestartr.ratelimit import RateLimiter
from bot.settings import Settings

from .conftest import MakeClient
from .fakes import API_KEY, Script, api_error, reply

API = "/v1/terraform/sync"
DEEP = "[" * 5000 + "]" * 5000  # json.loads raised RecursionError here, not ValueError
REFERENCE_WORKSPACES = {
    "workspaces": [
        {
            "name": "production",
            "sync_enabled": True,
            "last_sync": "2025-10-13T14:00:00Z",
            "status": "success",
            "next_sync": "2025-10-13T14:10:00Z",
        }
    ]
}
RUN = {"id": "run_01J9ZK2W7D", "workspace": "staging", "status": "queued", "trigger": "manual"}
CONFIG = {
    "enabled": True,
    "workspaces": {"production": {"enabled": True, "sync_interval": "10m", "auto_apply": False}},
    "conflict_resolution": "manual",
}
CONFLICT = {"id": "cfl_01J9ZK3M2Q", "workspace": "production", "status": "open", "type": "drift"}


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def test_list_workspaces_reads_the_reference_example(make_client: MakeClient) -> None:
    server = Script(reply(200, REFERENCE_WORKSPACES))
    client = make_client(server)
    assert client.last_ok_at is None

    [ws] = client.list_workspaces()

    assert (ws.name, ws.status, ws.sync_enabled) == ("production", "success", True)
    assert ws.last_sync == datetime(2025, 10, 13, 14, 0, tzinfo=UTC)
    assert ws.open_conflicts == 0 and ws.message is None
    [request] = server.requests
    assert (request.method, str(request.url)) == (
        "GET",
        f"https://api.example.test{API}/workspaces",
    )
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"] == f"fsync-bot/{__version__}"
    assert client.last_ok_at is not None


def test_trigger_sync_posts_with_an_idempotency_key_and_returns_the_run(
    make_client: MakeClient,
) -> None:
    server = Script(reply(202, RUN, headers={"Location": f"{API}/runs/run_01J9ZK2W7D"}))
    run = make_client(server).trigger_sync("staging", requested_by="U123")

    assert run is not None and run.id == "run_01J9ZK2W7D" and run.status == "queued"
    [request] = server.requests
    assert (request.method, request.url.path) == ("POST", f"{API}/workspaces/staging/sync")
    assert uuid.UUID(request.headers["idempotency-key"]).version == 4
    assert sent_json(request) == {"requested_by": "U123"}


@pytest.mark.parametrize(
    ("step", "expected_id"),
    [
        (reply(202), None),
        (reply(204), None),
        (reply(202, {"message": "Sync triggered"}), None),
        (reply(202, headers={"Location": f"{API}/runs/run_7"}), "run_7"),
        (reply(200, {"ok": True}, headers={"Location": f"{API}/runs/run_8/"}), "run_8"),
    ],
)
def test_trigger_sync_accepts_any_2xx(
    make_client: MakeClient, step: Any, expected_id: str | None
) -> None:
    server = Script(step)
    run = make_client(server).trigger_sync("staging", idempotency_key="k-1")
    assert (run.id if run else None) == expected_id
    assert server.keys == ["k-1"]
    assert server.requests[0].content == b""  # no requested_by: no body


def test_names_are_sent_as_one_encoded_path_segment(make_client: MakeClient) -> None:
    server = Script(reply(202))
    make_client(server).trigger_sync("my.ws_1-A")
    assert server.requests[0].url.raw_path == f"{API}/workspaces/my.ws_1-A/sync".encode()


def test_get_and_put_config_round_trip_with_the_etag(make_client: MakeClient) -> None:
    stored = {**CONFIG, "enabled": False}
    server = Script(reply(200, CONFIG, headers={"ETag": '"v7"'}), reply(200, stored))
    client = make_client(server)

    config, etag = client.get_config()
    assert etag == '"v7"'
    assert config.workspaces["production"] == WorkspaceConfig(sync_interval="10m")
    config.enabled = False
    saved = client.put_config(config, etag=etag)

    assert saved == Config.model_validate(stored)
    put = server.requests[1]
    assert (put.method, put.url.path, put.headers["if-match"]) == ("PUT", f"{API}/config", '"v7"')
    assert sent_json(put) == stored
    assert "idempotency-key" not in put.headers


def test_put_config_without_etag_or_answer_body(make_client: MakeClient) -> None:
    server = Script(reply(204))
    config = Config.model_validate(CONFIG)
    assert make_client(server).put_config(config, etag=None) == config
    assert "if-match" not in server.requests[0].headers


def test_runs_and_conflicts(make_client: MakeClient) -> None:
    resolved = {**CONFLICT, "status": "resolved", "resolution": "apply_desired"}
    server = Script(
        reply(200, {**RUN, "status": "succeeded"}),
        reply(200, {"conflicts": [CONFLICT]}),
        reply(200, {"conflicts": []}),
        reply(200, CONFLICT),
        reply(200, {"conflict": resolved, "run": RUN}),
        reply(200, resolved),  # a server that answers with the bare conflict
    )
    client = make_client(server)

    assert client.get_run("run_01J9ZK2W7D").finished
    assert [c.id for c in client.list_conflicts(workspace="production")] == ["cfl_01J9ZK3M2Q"]
    assert client.list_conflicts(status=None) == []
    assert client.get_conflict("cfl_01J9ZK3M2Q").is_open
    result = client.resolve_conflict("cfl_01J9ZK3M2Q", "apply_desired", resolved_by="U9")
    assert result.conflict.resolution == "apply_desired" and result.run and result.run.id
    bare = client.resolve_conflict("cfl_01J9ZK3M2Q", "ignore_once", idempotency_key="same")
    assert bare.run is None and bare.conflict.status == "resolved"

    paths = [(r.method, r.url.path, dict(r.url.params)) for r in server.requests]
    assert paths == [
        ("GET", f"{API}/runs/run_01J9ZK2W7D", {}),
        ("GET", f"{API}/conflicts", {"workspace": "production", "status": "open"}),
        ("GET", f"{API}/conflicts", {}),
        ("GET", f"{API}/conflicts/cfl_01J9ZK3M2Q", {}),
        ("POST", f"{API}/conflicts/cfl_01J9ZK3M2Q/resolve", {}),
        ("POST", f"{API}/conflicts/cfl_01J9ZK3M2Q/resolve", {}),
    ]
    assert sent_json(server.requests[4]) == {"resolution": "apply_desired", "resolved_by": "U9"}
    assert server.keys[5] == "same"


def test_unknown_fields_and_values_are_kept_as_given(make_client: MakeClient) -> None:
    odd = {
        "name": "staging",
        "status": "exploding",
        "last_sync": "yesterday-ish",
        "open_conflicts": "many",
        "colour": "purple",
    }
    server = Script(reply(200, {"workspaces": [odd, {"name": "dev"}], "page": 1}))
    exploding, dev = make_client(server).list_workspaces()
    assert (exploding.status, exploding.last_sync, exploding.open_conflicts) == (
        "exploding",
        None,
        0,
    )
    assert (dev.status, dev.sync_enabled, dev.next_sync) == ("unknown", True, None)


def test_one_unreadable_entry_does_not_hide_the_others(make_client: MakeClient) -> None:
    server = Script(reply(200, {"workspaces": [{"status": "success"}, "junk", {"name": "dev"}]}))
    assert [w.name for w in make_client(server).list_workspaces()] == ["dev"]


def test_consecutive_listings_show_every_change_and_reuse_only_unchanged_items(
    make_client: MakeClient,
) -> None:
    # The poller lists the fleet each interval; unchanged items keep their model (benchmark 2).
    first = [
        {"name": "prod", "status": "success", "last_sync": "2025-10-13T14:00:00Z"},
        {"name": "dev", "status": "success", "open_conflicts": 0},
        {"name": "qa", "status": "failed", "message": "boom", "extra": {"nested": [1]}},
        {"name": "lab", "status": "success", "auto_apply": True},
    ]
    second = [
        {"name": "prod", "status": "success", "last_sync": "2025-10-13T14:00:00Z"},
        {"name": "dev", "status": "failed", "open_conflicts": 0, "message": "state lock"},
        {"name": "qa", "status": "failed", "message": "boom", "extra": {"nested": [1]}},
        {"name": "lab", "status": "success"},  # a field gone: back to its default
        {"name": "new", "status": "queued"},
    ]
    client = make_client(Script(reply(200, {"workspaces": first}), reply(200, second)))
    before = {w.name: w for w in client.list_workspaces()}
    after = {w.name: w for w in client.list_workspaces()}

    assert after["prod"] is before["prod"]
    assert (after["dev"].status, after["dev"].message) == ("failed", "state lock")
    assert (before["dev"].status, before["dev"].message) == ("success", None)
    assert (before["lab"].auto_apply, after["lab"].auto_apply) == (True, None)
    assert after["qa"] is not before["qa"]  # nested values are read every time
    assert after["qa"].message == "boom" and after["new"].status == "queued"
    assert list(after) == ["prod", "dev", "qa", "lab", "new"]


def test_a_body_with_a_utf8_byte_order_mark_is_read(make_client: MakeClient) -> None:
    body = "\ufeff" + json.dumps(REFERENCE_WORKSPACES)
    server = Script(reply(200, text=body, content_type="application/json"))
    assert [w.name for w in make_client(server).list_workspaces()] == ["production"]


def test_an_item_that_turns_unreadable_is_skipped_not_reused(make_client: MakeClient) -> None:
    good = {"name": "dev", "status": "success"}
    client = make_client(
        Script(
            reply(200, {"workspaces": [good]}),
            reply(200, {"workspaces": [{**good, "status": ["x"]}]}),
            reply(200, {"workspaces": [good]}),
        )
    )
    assert [w.status for w in client.list_workspaces()] == ["success"]
    assert client.list_workspaces() == []
    assert [w.status for w in client.list_workspaces()] == ["success"]


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (reply(200, text="<html><body>Welcome to the proxy</body></html>"), "text/html"),
        (reply(200, text="{not json", content_type="application/json"), "application/json"),
        (reply(200), "empty body"),
        (reply(200, {"items": []}), "application/json"),
        (reply(200, {"workspaces": "production"}), "application/json"),
        (reply(200, text="\xff\xfe", content_type="application/json"), "application/json"),
        (reply(200, text=DEEP, content_type="application/json"), "application/json"),
    ],
)
def test_a_2xx_that_is_not_the_expected_json_is_unexpected(
    make_client: MakeClient, step: Any, kind: str
) -> None:
    with pytest.raises(UnexpectedResponse) as info:
        make_client(Script(step)).list_workspaces()
    assert info.value.user_message == (
        f"The Sync API sent an answer fsync could not read (HTTP 200, {kind})."
    )


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda c: c.get_run("run_1"), {"status": "succeeded"}),
        (lambda c: c.get_conflict("cfl_1"), ["not", "a", "conflict"]),
        (lambda c: c.get_config(), {"workspaces": {"prod": "often"}}),
        (lambda c: c.resolve_conflict("cfl_1", "abort"), {"run": None}),
        (lambda c: c.trigger_sync("dev"), None),
    ],
)
def test_wrong_shapes_are_unexpected(make_client: MakeClient, call: Any, body: Any) -> None:
    step = reply(200, body) if body is not None else reply(202, text="<html>ok</html>")
    with pytest.raises(UnexpectedResponse):
        call(make_client(Script(step)))


def test_from_settings_uses_url_key_and_rate_limit() -> None:
    server = Script(reply(200, {"workspaces": []}))
    settings = Settings(
        firestartr_api_url="http://127.0.0.1:9/base/",
        firestartr_api_key="from-settings",
        firestartr_rate_limit=7,
    )
    with SyncClient.from_settings(settings, transport=httpx.MockTransport(server)) as client:
        assert client.list_workspaces() == []
        assert client.base_url == "http://127.0.0.1:9/base"
        assert client._limiter.per_minute == 7
    [request] = server.requests
    assert str(request.url) == f"http://127.0.0.1:9/base{API}/workspaces"
    assert request.headers["authorization"] == "Bearer from-settings"


def test_without_a_key_no_authorization_header_is_sent() -> None:
    server = Script(reply(200, {"workspaces": []}), api_error(401, "unauthorized"))
    client = SyncClient(
        "https://api.example.test",
        "",
        transport=httpx.MockTransport(server),
        limiter=RateLimiter(),
    )
    client.list_workspaces()
    assert "authorization" not in server.requests[0].headers
    with pytest.raises(Unauthorized) as info:
        client.list_workspaces()
    assert info.value.user_message == (
        "fsync has no API key for the Sync API. Set FIRESTARTR_API_KEY."
    )
