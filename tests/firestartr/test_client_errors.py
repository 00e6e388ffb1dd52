"""How SyncClient turns the Sync API's refusals into bot.errors with actionable messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import errors
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Config

from .conftest import MakeClient
from .fakes import FakeClock, Router, Script, api_error, reply

API = "/v1/terraform/sync"
Call = Callable[[SyncClient], Any]

trigger: Call = lambda c: c.trigger_sync("staging")  # noqa: E731
workspaces: Call = lambda c: c.list_workspaces()  # noqa: E731
get_run: Call = lambda c: c.get_run("run_9")  # noqa: E731
get_conflict: Call = lambda c: c.get_conflict("cfl_1")  # noqa: E731
resolve: Call = lambda c: c.resolve_conflict("cfl_1", "abort")  # noqa: E731
put_config: Call = lambda c: c.put_config(c.get_config()[0], etag='"v1"')  # noqa: E731
conflicts: Call = lambda c: c.list_conflicts()  # noqa: E731

PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
RESOLVED = {
    "id": "cfl_1",
    "status": "resolved",
    "resolution": "accept_remote",
    "resolved_by": "alice",
}

# A table reads best one case per line or two; ruff format would give each field its own line.
# fmt: off
CASES: list[tuple[str, Call, Any, type[errors.SyncAPIError], str]] = [
    ("401", workspaces, api_error(401, "unauthorized"), errors.Unauthorized,
     "The Sync API refused fsync's API key. Check FIRESTARTR_API_KEY."),
    ("401 html", workspaces, reply(401, text="denied"), errors.Unauthorized,
     "The Sync API refused fsync's API key. Check FIRESTARTR_API_KEY."),
    ("403", workspaces, reply(403, text="no"), errors.Unauthorized,
     "The Sync API does not let fsync's API key do this. Check the key's permissions "
     "(FIRESTARTR_API_KEY)."),
    ("sync_in_progress", trigger, api_error(409, "sync_in_progress", run_id="run_123"),
     errors.SyncInProgress, "A sync of `staging` is already running (run run_123)."),
    ("sync_in_progress no run", trigger, api_error(409, "sync_in_progress"),
     errors.SyncInProgress, "A sync of `staging` is already running."),
    ("sync_disabled", trigger, api_error(409, "sync_disabled"), errors.SyncDisabled,
     "Sync is turned off for `staging`, so it cannot be triggered. Turn it on first."),
    ("already resolved", resolve,
     api_error(409, "conflict_already_resolved", conflict=RESOLVED),
     errors.ConflictAlreadyResolved,
     "Conflict `cfl_1` is already resolved: accept_remote by alice."),
    ("already resolved, bare", resolve, api_error(409, "conflict_already_resolved"),
     errors.ConflictAlreadyResolved, "Conflict `cfl_1` is already resolved."),
    ("stale etag", put_config, api_error(412, "config_version_mismatch"),
     errors.ConfigVersionMismatch,
     "Someone else changed the sync config at the same time, so nothing was saved. Try again."),
    ("validation", put_config,
     api_error(422, "validation_error", details=[
         {"field": "workspaces.prod.sync_interval", "message": "must look like 10m"},
         {"loc": ["conflict_resolution"], "msg": "unknown value"}, "enabled: not a boolean"]),
     errors.ValidationFailed,
     "The Sync API refused the config change: workspaces.prod.sync_interval: must look like 10m; "
     "conflict_resolution: unknown value; enabled: not a boolean."),
    ("validation, dict details", put_config,
     api_error(422, "validation_error", details={"sync_interval": "too short"}),
     errors.ValidationFailed, "The Sync API refused the config change: sync_interval: too short."),
    ("validation, no details", put_config,
     api_error(422, "validation_error", "Interval too short"),
     errors.ValidationFailed, "The Sync API refused the config change: Interval too short."),
    ("resolution_not_allowed", resolve,
     api_error(422, "resolution_not_allowed",
               details={"allowed_resolutions": ["apply_desired", "ignore_once"]}),
     errors.ResolutionNotAllowed,
     "`abort` is not allowed for conflict `cfl_1`. Allowed: apply_desired, ignore_once."),
    ("resolution_not_allowed, message", resolve,
     api_error(422, "resolution_not_allowed", "Lock conflicts can only be aborted."),
     errors.ResolutionNotAllowed,
     "`abort` is not allowed for conflict `cfl_1`. The Sync API said: Lock conflicts can only "
     "be aborted."),
    ("resolution_not_allowed, problems", resolve,
     api_error(422, "resolution_not_allowed", "Resolution 'abort' is not allowed",
               details=[{"field": "resolution", "problem": "must be one of apply_desired"}]),
     errors.ResolutionNotAllowed,
     "`abort` is not allowed for conflict `cfl_1` (resolution: must be one of apply_desired)."),
    ("validation on trigger", trigger,
     api_error(422, "validation_error", details=[{"field": "requested_by", "problem": "too long"}]),
     errors.ValidationFailed, "The Sync API refused the request: requested_by: too long."),
    ("run_not_found", get_run, api_error(404, "run_not_found"), errors.RunNotFound,
     "The Sync API has no sync run `run_9`."),
    ("conflict_not_found", get_conflict, api_error(404, "conflict_not_found"),
     errors.ConflictNotFound, "The Sync API has no conflict `cfl_1`."),
    ("unknown code", trigger,
     api_error(400, "workspace_locked", "Workspace 'staging' is locked by a plan.",
               request_id="req_42"),
     errors.SyncAPIError, "Workspace 'staging' is locked by a plan. (request id req_42)"),
    ("unknown code, no message", workspaces, reply(400, {"error": "teapot"}),
     errors.SyncAPIError, "The Sync API refused the request (teapot)."),
    ("html 400", workspaces, reply(400, text="bad"), errors.SyncAPIError,
     "The Sync API could not understand fsync's request (HTTP 400)."),
    ("html 404 on a reference path", workspaces, reply(404, text="<h1>Not Found</h1>"),
     errors.SyncAPIError,
     f"The Sync API has nothing at {API}/workspaces (HTTP 404). Check FIRESTARTR_API_URL."),
    ("html 502", workspaces, reply(502, text=PROXY_PAGE), errors.ServerError,
     "The Sync API is unavailable right now (HTTP 502). Try again in a minute."),
    ("json 500", workspaces, api_error(500, "internal", request_id="req_7"), errors.ServerError,
     "The Sync API failed with an internal error (HTTP 500). Try again; if it keeps failing, "
     "tell the Firestartr admins. (request id req_7)"),
    ("503 on put", put_config, reply(503, text="down"), errors.ServerError,
     "The Sync API is unavailable right now (HTTP 503). Try again in a minute."),
    ("429 on trigger", trigger,
     api_error(429, "sync_rate_limited", retry_after=42), errors.RateLimited,
     "Firestartr limits how often syncs can be triggered; try `staging` again in about 42 s."),
]
# fmt: on


@pytest.mark.parametrize(
    ("call", "answer", "error", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_errors_map_to_the_tree_with_clear_messages(
    make_client: MakeClient,
    call: Call,
    answer: Any,
    error: type[errors.SyncAPIError],
    message: str,
) -> None:
    config = reply(200, {"enabled": True}, headers={"ETag": '"v1"'})
    server = Script(config, answer) if call is put_config else Script(answer)
    with pytest.raises(error) as info:
        call(make_client(server))
    assert type(info.value) is error
    assert info.value.user_message == message == str(info.value)


def test_error_attributes_are_carried(make_client: MakeClient) -> None:
    client = make_client(
        Script(
            api_error(409, "sync_in_progress", run_id="run_123", request_id="req_1"),
            api_error(409, "conflict_already_resolved", conflict=RESOLVED),
            api_error(422, "validation_error", details=[{"field": "x", "message": "y"}]),
        )
    )
    with pytest.raises(errors.SyncInProgress) as in_progress:
        client.trigger_sync("staging")
    assert (in_progress.value.run_id, in_progress.value.status) == ("run_123", 409)
    assert in_progress.value.request_id == "req_1"
    with pytest.raises(errors.ConflictAlreadyResolved) as resolved:
        client.resolve_conflict("cfl_1", "abort")
    assert resolved.value.conflict == RESOLVED
    with pytest.raises(errors.ValidationFailed) as invalid:
        client.put_config(Config(), etag=None)
    assert invalid.value.details == [{"field": "x", "message": "y"}]


@pytest.mark.parametrize(
    ("known", "message", "near_first"),
    [
        (
            ["staging", "dev", "production"],
            "No workspace named `prod`. Known: production, staging, dev.",
            ["production", "staging", "dev"],
        ),
        (
            ["production", "prod-eu", "a", "b", "c", "d", "e"],
            "No workspace named `prod`. Known: prod-eu, production, a, b, c, and 2 more.",
            ["prod-eu", "production", "a", "b", "c", "d", "e"],
        ),
        ([], "No workspace named `prod`. The Sync API lists no workspaces.", []),
        (None, "No workspace named `prod`.", []),
    ],
)
def test_workspace_not_found_lists_near_names_first(
    make_client: MakeClient, known: list[str] | None, message: str, near_first: list[str]
) -> None:
    listing = (
        reply(200, {"workspaces": [{"name": n} for n in known]})
        if known is not None
        else reply(503, text="down")
    )
    server = Router(
        {
            ("POST", f"{API}/workspaces/prod/sync"): api_error(
                404, "workspace_not_found", "Workspace 'prod' does not exist"
            ),
            ("GET", f"{API}/workspaces"): listing,
        }
    )
    with pytest.raises(errors.WorkspaceNotFound) as info:
        make_client(server).trigger_sync("prod")
    assert info.value.user_message == message
    assert (info.value.name, info.value.known) == ("prod", near_first)
    # The listing is best effort: one try, no retries on its 503.
    assert [r.method for r in server.requests] == ["POST", "GET"]


def test_workspace_not_found_from_the_conflict_list(make_client: MakeClient) -> None:
    server = Router(
        {
            ("GET", f"{API}/conflicts"): api_error(404, "workspace_not_found"),
            ("GET", f"{API}/workspaces"): reply(200, {"workspaces": [{"name": "staging"}]}),
        }
    )
    client = make_client(server)
    with pytest.raises(errors.WorkspaceNotFound, match="Known: staging"):
        client.list_conflicts(workspace="stagin")
    assert client.features["conflicts"] is True


ALL_ON = {"runs": True, "conflicts": True, "logs": True, "approvals": True}
FEATURE_CALLS = [
    ("runs", get_run),
    ("conflicts", conflicts),
    ("conflicts", get_conflict),
    ("conflicts", resolve),
]
MISSING = [
    reply(404, text="<html>Not Found</html>"),
    reply(404, {"error": "not_found", "message": "no route", "code": 404}),
    reply(404, {"detail": "Not Found"}),
    reply(405, text=""),
    api_error(405, "method_not_allowed"),
]


@pytest.mark.parametrize(("feature", "call"), FEATURE_CALLS)
@pytest.mark.parametrize("answer", MISSING)
def test_404_or_405_from_an_assumed_endpoint_turns_the_feature_off(
    make_client: MakeClient, feature: str, call: Call, answer: Any
) -> None:
    server = Script(answer)
    client = make_client(server)
    for _ in range(2):
        with pytest.raises(errors.FeatureUnavailable) as info:
            call(client)
        assert info.value.feature == feature
        word = "sync run details" if feature == "runs" else "conflicts"
        assert info.value.user_message == f"This Sync API server does not offer {word}."
    assert len(server.requests) == 1  # the second call did not ask again
    assert client.features == ALL_ON | {feature: False}


def test_a_feature_turned_off_by_a_passing_404_comes_back_after_the_recheck_window(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """A proxy or a deploy answering 404 once must not hide conflicts for the process's life."""
    conflict = {"id": "cfl_1", "workspace": "production", "status": "open"}
    server = Script(
        reply(404, text="<html>Not Found</html>"), reply(200, {"conflicts": [conflict]})
    )
    client = make_client(server)  # the default window: 5 minutes
    with pytest.raises(errors.FeatureUnavailable):
        client.list_conflicts()
    clock.now += 299.0
    with pytest.raises(errors.FeatureUnavailable):  # within the window: not asked again
        client.list_conflicts()
    assert len(server.requests) == 1
    clock.now += 2.0
    assert [c.id for c in client.list_conflicts()] == ["cfl_1"]
    assert client.features["conflicts"] is True
    clock.now += 3600.0
    assert [c.id for c in client.list_conflicts()] == ["cfl_1"]  # and it stays on
    assert len(server.requests) == 3


def test_a_404_again_after_the_window_turns_the_feature_off_for_another_window(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = Script(reply(405, text=""))
    client = make_client(server)
    for _ in range(3):
        with pytest.raises(errors.FeatureUnavailable):
            get_run(client)
        with pytest.raises(errors.FeatureUnavailable):
            get_run(client)
        clock.now += 301.0
    assert len(server.requests) == 3  # one question a window, not one a call
    assert client.features == ALL_ON  # the last window is over


def test_known_not_found_codes_are_not_missing_features(make_client: MakeClient) -> None:
    client = make_client(
        Script(api_error(404, "run_not_found"), api_error(404, "conflict_not_found"))
    )
    with pytest.raises(errors.RunNotFound):
        client.get_run("run_1")
    with pytest.raises(errors.ConflictNotFound):
        client.get_conflict("cfl_1")
    assert client.features == ALL_ON


BAD_NAMES = ["../config", "a/b", "%2e%2e", "", "x" * 200, " prod", "prod\n", "..", "a..b", "é"]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize(
    "call",
    [lambda c, n: c.trigger_sync(n), lambda c, n: c.list_conflicts(workspace=n)],
    ids=["trigger_sync", "list_conflicts"],
)
def test_bad_names_are_refused_before_any_request(
    make_client: MakeClient, name: str, call: Callable[[SyncClient, str], Any]
) -> None:
    server = Script(reply(200, {}))
    with pytest.raises(errors.InvalidWorkspaceName):
        call(make_client(server), name)
    assert server.requests == []


@pytest.mark.parametrize("bad_id", ["../x", "a/b", "%2e%2e", "", ".", "..", "x" * 200, "r 1"])
@pytest.mark.parametrize(
    "call",
    [
        lambda c, i: c.get_run(i),
        lambda c, i: c.get_conflict(i),
        lambda c, i: c.resolve_conflict(i, "abort"),
        lambda c, i: c.resolve_conflict("cfl_1", i),
    ],
    ids=["get_run", "get_conflict", "resolve", "resolution"],
)
def test_bad_ids_are_refused_before_any_request(
    make_client: MakeClient, bad_id: str, call: Callable[[SyncClient, str], Any]
) -> None:
    server = Script(reply(200, {}))
    with pytest.raises(errors.InvalidIdentifier):
        call(make_client(server), bad_id)
    assert server.requests == []
