"""docs/firestartr-sync-api.openapi.yaml describes what the simulator really answers.

Every documented response of endpoints 1-8 is provoked on the real process and its body checked
against the document's schema, made strict (no undocumented fields), so neither can drift.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from tests.simulator.helpers import V1
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "firestartr-sync-api.openapi.yaml"
NETWORKING_CONFLICT = "networking-conflict"

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def _strict(node: Any) -> Any:
    """Close every object schema that lists its properties, so extra fields fail the test."""
    if isinstance(node, dict):
        if "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)
    return node


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def _response_spec(spec: dict[str, Any], documented: dict[str, Any]) -> dict[str, Any]:
    ref = documented.get("$ref", "")
    return spec["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else documented


def check(spec: dict[str, Any], method: str, template: str, response: httpx.Response) -> str:
    """Validate one real answer against the spec; returns the documented status key it matched."""
    responses = spec["paths"][template][method.lower()]["responses"]
    status = str(response.status_code)
    key = status if status in responses else f"{status[0]}XX"
    assert key in responses, f"{method} {template} answered {status}, not in the spec"
    documented = _response_spec(spec, responses[key])
    if "content" not in documented:  # 304 Not Modified: headers only
        assert response.content == b""
        for header in documented.get("headers", {}):
            assert header in response.headers, f"{method} {template} {status} lacks {header}"
        return key
    if "text/plain" in documented["content"]:  # the run log: text, not JSON
        assert response.headers["content-type"].startswith("text/plain")
        return key
    schema = documented["content"]["application/json"]["schema"]
    components = _strict(copy.deepcopy(spec["components"]))
    validator = Draft202012Validator({**schema, "components": components}, format_checker=FORMATS)
    validator.validate(response.json())
    for header in documented.get("headers", {}):
        assert header in response.headers, f"{method} {template} {status} lacks {header}"
    return key


def _conflict_id(api: httpx.Client, workspace: str = "networking") -> str:
    found = api.get(f"{V1}/conflicts", params={"workspace": workspace, "status": "open"})
    return found.json()["conflicts"][0]["id"]


def _trigger(sim: SimProcess) -> list[httpx.Response]:
    api, url = sim.api, f"{V1}/workspaces/production/sync"
    answers = [
        api.post(url, json={"requested_by": "U1"}),
        api.post(url),
        api.post(f"{V1}/workspaces/sandbox/sync"),
        api.post(f"{V1}/workspaces/ghost/sync"),
        api.post(f"{V1}/workspaces/dev/sync", content=b"["),
    ]
    return answers + [api.post(url) for _ in range(10)]


def _list_conditionally(sim: SimProcess) -> list[httpx.Response]:
    full = sim.api.get(f"{V1}/workspaces")
    again = sim.api.get(f"{V1}/workspaces", headers={"If-None-Match": full.headers["ETag"]})
    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "failed"})
    sim.control("DELETE", "/_sim/workspaces/sandbox")
    since = {"changed_since": full.headers["X-Sync-Cursor"]}
    changed = sim.api.get(f"{V1}/workspaces", params=since)
    assert changed.json()["removed"] == ["sandbox"]
    expired = sim.api.get(f"{V1}/workspaces", params={"changed_since": "nope"})
    return [full, again, changed, expired]


def _put_config(sim: SimProcess) -> list[httpx.Response]:
    api = sim.api
    read = api.get(f"{V1}/config")
    good = api.put(f"{V1}/config", json=read.json(), headers={"If-Match": read.headers["ETag"]})
    stale = api.put(f"{V1}/config", json=read.json(), headers={"If-Match": read.headers["ETag"]})
    return [good, stale, api.put(f"{V1}/config", json={"enabled": "yes"})]


def _get_run(sim: SimProcess) -> list[httpx.Response]:
    run = sim.api.post(f"{V1}/workspaces/dev/sync").json()
    return [sim.api.get(f"{V1}/runs/{run['id']}"), sim.api.get(f"{V1}/runs/run_nope")]


def _get_log(sim: SimProcess) -> list[httpx.Response]:
    run = sim.api.post(f"{V1}/workspaces/dev/sync").json()
    url = f"{V1}/runs/{run['id']}/log"
    return [
        sim.api.get(url, params={"tail": 5}),
        sim.api.get(f"{V1}/runs/run_nope/log"),
        sim.api.get(url, params={"tail": "lots"}),
    ]


def _resolve(sim: SimProcess) -> list[httpx.Response]:
    api = sim.api
    sim.control("POST", "/_sim/workspaces/production/state", json={"status": "conflict"})
    first, second = _conflict_id(api), _conflict_id(api, "production")
    url = f"{V1}/conflicts/{first}/resolve"
    api.post(f"{V1}/workspaces/production/sync")
    return [
        api.post(url, json={"resolution": "later"}),
        api.post(url, json={}),
        api.post(f"{V1}/conflicts/{second}/resolve", json={"resolution": "apply_desired"}),
        api.post(url, json={"resolution": "apply_desired", "resolved_by": "U7"}),
        api.post(url, json={"resolution": "abort"}),
        api.post(f"{V1}/conflicts/cfl_nope/resolve", json={"resolution": "abort"}),
    ]


def _waiting_run(sim: SimProcess) -> str:
    """A run of `production` (auto_apply false) whose forced plan waits for approval."""
    forced = {"outcome": "changes", "add": 1, "change": 0, "destroy": 1}
    sim.control("POST", "/_sim/workspaces/production/next_outcome", json=forced)
    run_id = sim.api.post(f"{V1}/workspaces/production/sync").json()["id"]
    wait_until(
        lambda: sim.api.get(f"{V1}/runs/{run_id}").json()["status"] == "awaiting_approval",
        what="a plan waiting for approval",
    )
    return run_id


def _decide(verb: str, by_key: str) -> Provoke:
    def provoke(sim: SimProcess) -> list[httpx.Response]:
        run_id = _waiting_run(sim)
        url = f"{V1}/runs/{run_id}/{verb}"
        return [
            sim.api.post(url, json={by_key: ""}),
            sim.api.post(url, json={by_key: "U1"}),
            sim.api.post(url),
            sim.api.post(f"{V1}/runs/run_nope/{verb}"),
        ]

    return provoke


Provoke = Callable[[SimProcess], list[httpx.Response]]
# (method, path template, URL for the generic 401/429/5XX checks, the specific answers)
OPERATIONS: list[tuple[str, str, str, Provoke]] = [
    (
        "GET",
        "/v1/terraform/sync/workspaces",
        f"{V1}/workspaces",
        lambda sim: _list_conditionally(sim),
    ),
    ("POST", "/v1/terraform/sync/workspaces/{name}/sync", f"{V1}/workspaces/dev/sync", _trigger),
    ("GET", "/v1/terraform/sync/config", f"{V1}/config", lambda sim: [sim.api.get(f"{V1}/config")]),
    ("PUT", "/v1/terraform/sync/config", f"{V1}/config", _put_config),
    ("GET", "/v1/terraform/sync/runs/{run_id}", f"{V1}/runs/run_x", _get_run),
    ("GET", "/v1/terraform/sync/runs/{run_id}/log", f"{V1}/runs/run_x/log", _get_log),
    (
        "GET",
        "/v1/terraform/sync/conflicts",
        f"{V1}/conflicts",
        lambda sim: [
            sim.api.get(f"{V1}/conflicts"),
            sim.api.get(f"{V1}/conflicts", params={"status": "resolved"}),
        ],
    ),
    (
        "GET",
        "/v1/terraform/sync/conflicts/{conflict_id}",
        f"{V1}/conflicts/cfl_x",
        lambda sim: [
            sim.api.get(f"{V1}/conflicts/{_conflict_id(sim.api)}"),
            sim.api.get(f"{V1}/conflicts/cfl_nope"),
        ],
    ),
    (
        "POST",
        "/v1/terraform/sync/conflicts/{conflict_id}/resolve",
        f"{V1}/conflicts/cfl_x/resolve",
        _resolve,
    ),
    (
        "POST",
        "/v1/terraform/sync/runs/{run_id}/approve",
        f"{V1}/runs/run_x/approve",
        _decide("approve", "approved_by"),
    ),
    (
        "POST",
        "/v1/terraform/sync/runs/{run_id}/discard",
        f"{V1}/runs/run_x/discard",
        _decide("discard", "discarded_by"),
    ),
]


def _generic(sim: SimProcess, anon: httpx.Client, method: str, url: str) -> list[httpx.Response]:
    answers = [anon.request(method, sim.url + url)]
    sim.control("POST", "/_sim/faults", json={"rate_limit_per_minute": 1})
    answers += [sim.api.request(method, url, json={}) for _ in range(2)]
    for status in (503, 500):
        sim.control("POST", "/_sim/faults", json={"error_rate": 1, "error_status": status})
        answers.append(sim.api.request(method, url, json={}))
    sim.control("POST", "/_sim/faults", json={})
    return answers


@pytest.mark.parametrize(
    ("method", "template", "url", "provoke"),
    OPERATIONS,
    ids=[f"{op[0]} {op[1]}" for op in OPERATIONS],
)
def test_every_documented_answer_matches_the_spec(
    sim: SimProcess,
    anon: httpx.Client,
    spec: dict[str, Any],
    method: str,
    template: str,
    url: str,
    provoke: Provoke,
) -> None:
    answers = provoke(sim) + _generic(sim, anon, method, url)
    seen = {check(spec, method, template, answer) for answer in answers}
    documented = set(spec["paths"][template][method.lower()]["responses"])
    assert seen == documented


def test_the_spec_covers_exactly_endpoints_1_to_8(spec: dict[str, Any]) -> None:
    served = {(method.lower(), template) for method, template, _, _ in OPERATIONS}
    documented = {(m, path) for path, item in spec["paths"].items() for m in item}
    assert documented == served
    assert spec["openapi"].startswith("3.1")
    assert set(spec["components"]["schemas"]) >= {"Workspace", "Config", "Run", "Conflict", "Error"}
