"""FsyncService's writes in this process: sync, change_config (with its compare-and-swap retry
on 412) and resolve, against a Sync API that is a plain `Request -> Response` function and a real
Store on a tmp file. What each test checks is what a person or the audit log would show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.core.authz import Policy, Role, RoleAction
from bot.core.service import FsyncService
from bot.errors import (
    AlreadyResolved,
    ConfigVersionMismatch,
    Confirm,
    PermissionDenied,
    RateLimited,
)
from bot.firestartr.client import SyncClient
from bot.firestartr.ratelimit import RateLimiter
from bot.store import Store
from tests.firestartr.fakes import API_KEY, BASE_URL, FakeClock

ADMIN, OPERATOR, VIEWER = "UADMIN", "UOPER", "UVIEW"
API = "/v1/terraform/sync"


def _json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _error(status: int, error: str, **extra: Any) -> httpx.Response:
    return _json(status, {"error": error, "message": error, "code": status, **extra})


class FakeSyncAPI:
    """A small Sync API: two workspaces, a versioned config, one open conflict."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {
            "enabled": True,
            "conflict_resolution": "manual",
            "workspaces": {
                "dev": {"enabled": True, "sync_interval": "10m", "auto_apply": False},
                "prod": {"enabled": True, "sync_interval": "10m", "auto_apply": False},
            },
        }
        self.version = 1
        self.mismatches = 0  # PUTs still to refuse with 412, each after "someone else" wrote
        self.conflict: dict[str, Any] = {"id": "cfl_1", "workspace": "dev", "status": "open"}
        self.resolve_answer: httpx.Response | None = None
        self.requests: list[httpx.Request] = []

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == API + path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = (request.method, request.url.path.removeprefix(API))
        if route == ("GET", "/workspaces"):
            names = list(self.config["workspaces"])
            return _json(200, {"workspaces": [{"name": n, "status": "success"} for n in names]})
        if request.method == "POST" and route[1].endswith("/sync"):
            name = route[1].split("/")[2]
            body = json.loads(request.content)
            return _json(202, {"id": "run_1", "workspace": name, **body})
        if route == ("GET", "/config"):
            return _json(200, self.config, etag=f'"v{self.version}"')
        if route == ("PUT", "/config"):
            return self._put_config(request)
        if route == ("GET", "/conflicts/cfl_1"):
            return _json(200, self.conflict)
        if route == ("POST", "/conflicts/cfl_1/resolve"):
            if self.resolve_answer is not None:
                return self.resolve_answer
            body = json.loads(request.content)
            self.conflict.update(status="resolved", **body)
            return _json(200, {"conflict": self.conflict})
        return _error(404, "not_found")

    def _put_config(self, request: httpx.Request) -> httpx.Response:
        if self.mismatches:
            self.mismatches -= 1
            # Someone else's change lands first: the config moves on, ours is refused.
            self.config["workspaces"]["prod"]["sync_interval"] = f"{10 + self.version}m"
            self.version += 1
        if request.headers.get("if-match") != f'"v{self.version}"':
            return _error(412, "config_version_mismatch")
        self.config = json.loads(request.content)
        self.version += 1
        return _json(200, self.config, etag=f'"v{self.version}"')


@pytest.fixture
def api() -> FakeSyncAPI:
    return FakeSyncAPI()


@pytest.fixture
def store(database: str) -> Store:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return Store(database)


@pytest.fixture
def fsync(api: FakeSyncAPI, store: Store) -> Iterator[FsyncService]:
    clock = FakeClock()
    client = SyncClient(
        BASE_URL,
        API_KEY,
        transport=httpx.MockTransport(api),
        limiter=RateLimiter(clock=clock, sleep=clock.sleep, wall=clock.wall),
        sleep=clock.sleep,
    )
    policy = Policy(frozenset({ADMIN}), frozenset({OPERATOR}), ("prod",))
    yield FsyncService(client, store, policy)
    client.close()


def rows(store: Store) -> list[tuple[str, str, str | None, str]]:
    """The audit log, oldest first: (user, action, workspace, outcome)."""
    entries = reversed(store.audit_entries(limit=100))
    return [(e["user_id"], e["action"], e["workspace"], e["outcome"]) for e in entries]


# --- sync ------------------------------------------------------------------------------------


def test_sync_starts_a_run_as_the_person_and_audits_it(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    run = fsync.sync(OPERATOR, "dev")
    assert run is not None and run.id == "run_1" and run.workspace == "dev"
    (post,) = api.calls("POST", "/workspaces/dev/sync")
    assert json.loads(post.content) == {"requested_by": OPERATOR}
    assert rows(store) == [(OPERATOR, "sync", "dev", "ok")]


def test_sync_of_a_protected_workspace_asks_first_and_sends_nothing(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    with pytest.raises(Confirm) as asked:
        fsync.sync(ADMIN, "prod")
    assert asked.value.action == "sync" and asked.value.params == {"workspace": "prod"}
    assert api.calls("POST", "/workspaces/prod/sync") == [] and rows(store) == []
    run = fsync.sync(ADMIN, "prod", confirmed=True)
    assert run is not None and run.workspace == "prod"
    assert rows(store) == [(ADMIN, "sync", "prod", "ok")]


def test_a_sixth_sync_in_a_minute_is_refused_with_the_wait(
    fsync: FsyncService, api: FakeSyncAPI
) -> None:
    for _ in range(5):
        fsync.sync(OPERATOR, "dev")
    with pytest.raises(RateLimited) as limited:
        fsync.sync(OPERATOR, "dev")
    assert "5 syncs in the last minute" in limited.value.user_message
    assert limited.value.retry_after is not None and 0 < limited.value.retry_after <= 61
    assert len(api.calls("POST", "/workspaces/dev/sync")) == 5
    assert fsync.sync(ADMIN, "dev") is not None  # the limit is per person


@pytest.mark.parametrize(
    ("user", "write"),
    [
        (VIEWER, lambda s: s.sync(VIEWER, "dev")),
        (OPERATOR, lambda s: s.sync(OPERATOR, "prod", confirmed=True)),
        (OPERATOR, lambda s: s.change_config(OPERATOR, "dev", {"auto_apply": False})),
        (VIEWER, lambda s: s.resolve(VIEWER, "cfl_1", "apply_desired")),
        (VIEWER, lambda s: s.require(VIEWER, "mute", "dev*", {"glob": "dev*"})),
    ],
    ids=["sync", "sync-protected", "config", "resolve", "require"],
)
def test_a_refused_write_leaves_exactly_one_audit_row(
    fsync: FsyncService, api: FakeSyncAPI, store: Store, user: str, write: Any
) -> None:
    with pytest.raises(PermissionDenied):
        write(fsync)
    assert [row[3] for row in rows(store)] == ["denied"]
    assert [r for r in api.requests if r.method in ("POST", "PUT")] == []


def test_role_actions_are_the_words_audit_rows_already_hold(
    fsync: FsyncService, store: Store
) -> None:
    """Rows written before the enum and after it must read the same: values are plain words."""
    assert [a.value for a in RoleAction] == [
        "sync", "resolve", "config", "auto_apply", "mute", "unmute", "subscribe", "unsubscribe",
        "owners",
        "approve",
        "discard",
        "digest",  # issue 15: a channel's scheduled report set or turned off
    ]  # fmt: skip
    fsync.sync(OPERATOR, "dev")
    with pytest.raises(PermissionDenied):
        fsync.require(VIEWER, RoleAction.MUTE, "dev*", {"glob": "dev*"})
    actions = [row[1] for row in rows(store)]
    assert actions == ["sync", "mute"] and all(type(a) is str for a in actions)


@pytest.mark.parametrize(
    ("action", "workspace", "needed"),
    [
        (RoleAction.SYNC, "dev", Role.OPERATOR),
        (RoleAction.SYNC, "prod", Role.ADMIN),
        (RoleAction.RESOLVE, "prod", Role.ADMIN),
        (RoleAction.CONFIG, "dev", Role.ADMIN),
        (RoleAction.AUTO_APPLY, "dev", Role.ADMIN),
        (RoleAction.MUTE, "dev", Role.OPERATOR),
        (RoleAction.UNMUTE, "*", Role.ADMIN),
        (RoleAction.SUBSCRIBE, None, Role.OPERATOR),
        (RoleAction.UNSUBSCRIBE, None, Role.OPERATOR),
    ],
)
def test_each_role_action_needs_the_role_the_help_promises(
    action: RoleAction, workspace: str | None, needed: Role
) -> None:
    policy = Policy(frozenset({ADMIN}), frozenset({OPERATOR}), ("prod",))
    assert policy.needed_for(action, workspace) is needed


# --- change_config ---------------------------------------------------------------------------


def test_change_config_puts_with_the_etag_it_read(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    change = fsync.change_config(ADMIN, "dev", {"sync_interval": "5m"})
    assert (change.before, change.after) == ({"sync_interval": "10m"}, {"sync_interval": "5m"})
    (put,) = api.calls("PUT", "/config")
    assert put.headers["if-match"] == '"v1"'
    assert api.config["workspaces"]["dev"]["sync_interval"] == "5m"
    (entry,) = store.audit_entries()
    assert entry["outcome"] == "ok" and entry["args"]["after"] == {"sync_interval": "5m"}


def test_change_config_that_changes_nothing_sends_nothing(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    change = fsync.change_config(ADMIN, "dev", {"sync_interval": "10m"})
    assert change.before == change.after
    assert api.calls("PUT", "/config") == [] and rows(store) == [(ADMIN, "config", "dev", "ok")]


def test_change_config_on_412_rereads_and_keeps_the_other_change(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    api.mismatches = 1
    change = fsync.change_config(ADMIN, "dev", {"sync_interval": "5m"})
    assert change.after == {"sync_interval": "5m"}
    assert len(api.calls("GET", "/config")) == 2
    first, second = api.calls("PUT", "/config")
    assert (first.headers["if-match"], second.headers["if-match"]) == ('"v1"', '"v2"')
    # Ours on top of the change that won the race, not over it.
    assert api.config["workspaces"]["dev"]["sync_interval"] == "5m"
    assert api.config["workspaces"]["prod"]["sync_interval"] == "11m"
    assert change.config.workspaces["prod"].sync_interval == "11m"
    assert rows(store) == [(ADMIN, "config", "dev", "ok")]


def test_change_config_gives_up_after_three_412s_with_a_clear_error(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    api.mismatches = 10
    with pytest.raises(ConfigVersionMismatch) as lost:
        fsync.change_config(ADMIN, "dev", {"sync_interval": "5m"})
    assert "three times in a row" in lost.value.user_message
    assert "/fsync config" in lost.value.user_message
    assert len(api.calls("PUT", "/config")) == 3
    assert api.config["workspaces"]["dev"]["sync_interval"] == "10m"
    (entry,) = store.audit_entries()
    assert entry["outcome"] == "error" and "three times" in entry["detail"]


def test_change_config_that_needs_a_second_thought_asks_first(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    with pytest.raises(Confirm) as asked:
        fsync.change_config(ADMIN, "dev", {"auto_apply": True})
    assert asked.value.yes == "Turn on auto_apply" and api.calls("PUT", "/config") == []
    assert rows(store) == []
    fsync.change_config(ADMIN, "dev", {"auto_apply": True}, confirmed=True)
    assert api.config["workspaces"]["dev"]["auto_apply"] is True


# --- resolve ---------------------------------------------------------------------------------


def test_resolve_sends_once_with_one_key_per_conflict_and_records_the_claim(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    result = fsync.resolve(OPERATOR, "cfl_1", "apply_desired")
    assert result.conflict.status == "resolved"
    (post,) = api.calls("POST", "/conflicts/cfl_1/resolve")
    assert post.headers["idempotency-key"] == "resolve-cfl_1"
    assert json.loads(post.content) == {"resolution": "apply_desired", "resolved_by": OPERATOR}
    claim = store.resolution("cfl_1")
    assert claim is not None and claim["state"] == "done" and claim["user_id"] == OPERATOR
    assert rows(store) == [(OPERATOR, "resolve", "dev", "ok")]
    # A second click finds the claim: said, and nothing sent.
    with pytest.raises(AlreadyResolved) as again:
        fsync.resolve(ADMIN, "cfl_1", "accept_remote")
    assert (again.value.by, again.value.resolution) == (OPERATOR, "apply_desired")
    assert len(api.calls("POST", "/conflicts/cfl_1/resolve")) == 1


def test_resolve_answered_409_says_who_resolved_it(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    other = {"id": "cfl_1", "status": "resolved", "resolved_by": "UOTHER", "resolution": "x"}
    api.resolve_answer = _error(409, "conflict_already_resolved", conflict=other)
    with pytest.raises(AlreadyResolved) as done:
        fsync.resolve(OPERATOR, "cfl_1", "apply_desired")
    assert (done.value.conflict_id, done.value.by, done.value.resolution) == (
        "cfl_1",
        "UOTHER",
        "x",
    )
    assert done.value.user_message == "That conflict is already resolved."
    claim = store.resolution("cfl_1")
    assert claim is not None and (claim["state"], claim["user_id"]) == ("done", "UOTHER")
    assert rows(store) == [(OPERATOR, "resolve", "dev", "error")]


def test_resolve_of_a_conflict_already_closed_sends_nothing(
    fsync: FsyncService, api: FakeSyncAPI, store: Store
) -> None:
    api.conflict.update(status="resolved", resolved_by="UOTHER", resolution="accept_remote")
    with pytest.raises(AlreadyResolved) as done:
        fsync.resolve(OPERATOR, "cfl_1", "apply_desired")
    assert (done.value.by, done.value.resolution) == ("UOTHER", "accept_remote")
    assert api.calls("POST", "/conflicts/cfl_1/resolve") == [] and store.resolution("cfl_1") is None
