"""Endpoints 1 to 8 of the Sync API (docs/firestartr-sync-api.md)."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from bot.simulator import approvals, conflicts
from bot.simulator.changes import CursorExpired
from bot.simulator.config import config_now, put_config
from bot.simulator.context import Simulator
from bot.simulator.errors import ApiError, validation_error
from bot.simulator.log_api import get_run_log, with_links
from bot.simulator.pipeline import Handler, ok, read_json, serve_v1

V1 = "/v1/terraform/sync"
CURSOR = "X-Sync-Cursor"  # [ASSUMED] the listing's cursor, for changed_since
SYNC_TRIGGERS_PER_MINUTE = 10


def _text(body: dict[str, Any], key: str, default: str) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise validation_error([(key, "must be a string of 1 to 200 characters")])
    return value


async def list_workspaces(sim: Simulator, request: Request) -> Response:
    """The fleet, or with `changed_since` only what changed (bot/simulator/changes.py)."""
    store = sim.engine.store
    since = request.query_params.get("changed_since")
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    with store.lock:
        etag = store.list_etag()
        headers = {"ETag": etag, CURSOR: store.list_cursor()}
        # Strong comparison (RFC 9110 13.1.2): the tag names these exact bytes.
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        try:
            body = store.list_bytes() if since is None else store.changed_bytes(since)
        except CursorExpired:
            raise ApiError(
                410,
                "cursor_expired",
                "The changed_since cursor is unknown or too old; list the whole fleet again",
            ) from None
    return ok(body, headers=headers)


async def trigger_sync(sim: Simulator, request: Request) -> Response:
    name = request.path_params["name"]
    sim.engine.require_workspace(name)
    body = await read_json(request, optional=True)
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    requested_by = _text(body, "requested_by", "api")
    verdict = sim.sync_limiter.hit(name, SYNC_TRIGGERS_PER_MINUTE, time.time())
    if not verdict.allowed:
        raise ApiError(
            429,
            "sync_rate_limited",
            f"At most {SYNC_TRIGGERS_PER_MINUTE} syncs per minute for workspace '{name}';"
            f" retry in {verdict.retry_after}s",
            headers={"Retry-After": str(verdict.retry_after)},
            retry_after=verdict.retry_after,
        )
    run = with_links(sim.engine.trigger(name, requested_by), request)
    return ok(run, 202, {"Location": f"{V1}/runs/{run['id']}"})


async def get_config(sim: Simulator, request: Request) -> Response:
    body, etag = config_now(sim.engine)
    return ok(body, headers={"ETag": etag})


async def replace_config(sim: Simulator, request: Request) -> Response:
    body = await read_json(request)
    stored, etag = put_config(sim.engine, body, request.headers.get("if-match"))
    return ok(stored, headers={"ETag": etag})


async def get_run(sim: Simulator, request: Request) -> Response:
    return ok(with_links(sim.engine.run_json(request.path_params["run_id"]), request))


async def list_conflicts(sim: Simulator, request: Request) -> Response:
    query = request.query_params
    return ok(conflicts.list_conflicts(sim.engine, query.get("workspace"), query.get("status")))


async def get_conflict(sim: Simulator, request: Request) -> Response:
    return ok(conflicts.conflict_json(sim.engine, request.path_params["conflict_id"]))


async def resolve_conflict(sim: Simulator, request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    resolution = body.get("resolution")
    if not isinstance(resolution, str):
        raise validation_error([("resolution", "is required and must be a string")])
    resolved_by = _text(body, "resolved_by", "api")
    cid = request.path_params["conflict_id"]
    result = conflicts.resolve(sim.engine, cid, resolution, resolved_by)
    if isinstance(result.get("run"), dict):
        result["run"] = with_links(result["run"], request)
    return ok(result)


async def approve_run(sim: Simulator, request: Request) -> Response:
    return await _decide(sim, request, "approve", "approved_by")


async def discard_run(sim: Simulator, request: Request) -> Response:
    return await _decide(sim, request, "discard", "discarded_by")


async def _decide(sim: Simulator, request: Request, verb: str, by_key: str) -> Response:
    body = await read_json(request, optional=True)
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    by = _text(body, by_key, "api")
    return ok(approvals.decide(sim.engine, request.path_params["run_id"], verb, by), 202)


ENDPOINTS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/workspaces", list_workspaces),
    ("POST", "/workspaces/{name}/sync", trigger_sync),
    ("GET", "/config", get_config),
    ("PUT", "/config", replace_config),
    ("GET", "/runs/{run_id}", get_run),
    ("GET", "/runs/{run_id}/log", get_run_log),  # [ASSUMED] run logs (bot/simulator/log_api.py)
    ("POST", "/runs/{run_id}/approve", approve_run),
    ("POST", "/runs/{run_id}/discard", discard_run),
    ("GET", "/conflicts", list_conflicts),
    ("GET", "/conflicts/{conflict_id}", get_conflict),
    ("POST", "/conflicts/{conflict_id}/resolve", resolve_conflict),
)


def v1_routes(sim: Simulator) -> list[Route]:
    routes = []
    for method, path, handler in ENDPOINTS:

        async def endpoint(request: Request, handler: Handler = handler) -> Response:
            return await serve_v1(sim, request, handler)

        routes.append(Route(V1 + path, endpoint, methods=[method], name=handler.__name__))

    async def unknown(sim: Simulator, request: Request) -> Response:
        # A known path with the wrong method is a 405, so a client can tell "no such feature"
        # from "wrong verb"; both mean this server does not offer what was asked.
        allowed = sorted(
            {
                m
                for route in routes
                if route.methods
                for m in route.methods
                if route.matches({**request.scope, "method": m})[0] is Match.FULL
            }
            - {"HEAD"}
        )
        if allowed:
            raise ApiError(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}",
                headers={"Allow": ", ".join(allowed)},
            )
        raise ApiError(404, "not_found", f"No endpoint at {request.url.path}")

    async def catch_all(request: Request) -> Response:
        return await serve_v1(sim, request, unknown)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [*routes, Route("/v1/{rest:path}", catch_all, methods=methods)]
