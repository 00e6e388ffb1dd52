"""Endpoints 3 and 4: the config, its ETag, If-Match and validation."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.simulator.helpers import V1, error_of, workspace


def read(api: httpx.Client) -> tuple[dict[str, Any], str]:
    response = api.get(f"{V1}/config")
    assert response.status_code == 200
    return response.json(), response.headers["ETag"]


def test_config_shape_and_quoted_etag(api: httpx.Client) -> None:
    config, etag = read(api)
    assert etag.startswith('"') and etag.endswith('"')
    assert config["enabled"] is True and config["conflict_resolution"] == "manual"
    assert config["workspaces"]["production"] == {
        "enabled": True,
        "sync_interval": "10m",
        "auto_apply": False,
    }
    assert config["workspaces"]["sandbox"]["enabled"] is False


def test_put_replaces_and_changes_the_etag_every_time(api: httpx.Client) -> None:
    config, etag = read(api)
    config["workspaces"]["production"]["sync_interval"] = "30m"
    config["conflict_resolution"] = "apply_desired"
    first = api.put(f"{V1}/config", json=config, headers={"If-Match": etag})
    assert first.status_code == 200 and first.json() == config
    assert first.headers["ETag"] != etag
    same = api.put(f"{V1}/config", json=config, headers={"If-Match": first.headers["ETag"]})
    assert same.status_code == 200 and same.headers["ETag"] != first.headers["ETag"]
    assert read(api) == (config, same.headers["ETag"])


def test_stale_if_match_is_refused(api: httpx.Client) -> None:
    config, etag = read(api)
    assert api.put(f"{V1}/config", json=config, headers={"If-Match": etag}).status_code == 200
    stale = api.put(f"{V1}/config", json=config, headers={"If-Match": etag})
    assert stale.status_code == 412 and error_of(stale) == "config_version_mismatch"


def test_missing_if_match_is_accepted(api: httpx.Client) -> None:
    config, _ = read(api)
    assert api.put(f"{V1}/config", json=config).status_code == 200


def test_the_workspace_list_reflects_the_config(api: httpx.Client) -> None:
    config, etag = read(api)
    before = workspace(api, "production")
    config["workspaces"]["production"].update(sync_interval="2h", auto_apply=True)
    config["workspaces"]["staging"]["enabled"] = False
    config["workspaces"]["sandbox"]["enabled"] = True
    api.put(f"{V1}/config", json=config, headers={"If-Match": etag}).raise_for_status()
    production = workspace(api, "production")
    assert production["sync_interval"] == "2h" and production["auto_apply"] is True
    assert production["next_sync"] > before["next_sync"]
    staging = workspace(api, "staging")
    assert staging["sync_enabled"] is False and staging["status"] == "disabled"
    assert staging["next_sync"] is None
    sandbox = workspace(api, "sandbox")
    assert sandbox["sync_enabled"] is True and sandbox["status"] == "success"
    assert sandbox["next_sync"] is not None
    assert error_of(api.post(f"{V1}/workspaces/staging/sync")) == "sync_disabled"


def test_global_disable_stops_every_sync(api: httpx.Client) -> None:
    config, _ = read(api)
    config["enabled"] = False
    api.put(f"{V1}/config", json=config).raise_for_status()
    assert all(ws["next_sync"] is None for ws in api.get(f"{V1}/workspaces").json()["workspaces"])
    refused = api.post(f"{V1}/workspaces/production/sync")
    assert refused.status_code == 409 and error_of(refused) == "sync_disabled"


BAD_CONFIGS = [
    ("enabled", lambda c: c.update(enabled="yes")),
    ("conflict_resolution", lambda c: c.update(conflict_resolution="yolo")),
    (
        "workspaces.production.sync_interval",
        lambda c: c["workspaces"]["production"].update(sync_interval="1h30m"),
    ),
    (
        "workspaces.production.sync_interval",
        lambda c: c["workspaces"]["production"].update(sync_interval="30s"),
    ),
    (
        "workspaces.production.sync_interval",
        lambda c: c["workspaces"]["production"].update(sync_interval="8d"),
    ),
    (
        "workspaces.production.sync_interval",
        lambda c: c["workspaces"]["production"].update(sync_interval=10),
    ),
    (
        "workspaces.production.auto_apply",
        lambda c: c["workspaces"]["production"].update(auto_apply=1),
    ),
    ("workspaces.ghost", lambda c: c["workspaces"].update(ghost={"enabled": True})),
    ("conflict_resolution", lambda c: c.pop("conflict_resolution")),
    ("surprise", lambda c: c.update(surprise=1)),
]


@pytest.mark.parametrize(("field", "mutate"), BAD_CONFIGS)
def test_invalid_config_is_refused_with_details(api: httpx.Client, field: str, mutate: Any) -> None:
    config, etag = read(api)
    bad = copy.deepcopy(config)
    mutate(bad)
    response = api.put(f"{V1}/config", json=bad, headers={"If-Match": etag})
    assert response.status_code == 422 and error_of(response) == "validation_error"
    assert field in [d["field"] for d in response.json()["details"]]
    assert read(api) == (config, etag)


def test_every_problem_is_listed_at_once(api: httpx.Client) -> None:
    response = api.put(f"{V1}/config", json={"enabled": 1, "workspaces": {"x": {}}})
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"enabled", "workspaces.x", "conflict_resolution"}


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]"])
def test_a_config_body_must_be_a_json_object(api: httpx.Client, body: bytes) -> None:
    response = api.put(f"{V1}/config", content=body)
    assert response.status_code == 422 and error_of(response) == "validation_error"
