"""The path every /v1 request takes: auth, faults, rate limit, idempotency, handler, log."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.simulator.context import Simulator
from bot.simulator.errors import ApiError, json_response, validation_error
from bot.simulator.guards import Replay
from bot.simulator.wire import rfc3339_ms

Handler = Callable[[Simulator, Request], Awaitable[Response]]

RATE_LIMIT_PER_MINUTE = 100
REPLAYED_HEADERS = ("content-type", "location", "etag")
FAULT_ERRORS = {
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
# What a connection cut mid-body looks like to the client.
GARBLED_BODY = b'{"workspaces": ['


def unauthorized() -> Response:
    return ApiError(
        401,
        "unauthorized",
        "Missing or invalid API key",
        headers={"WWW-Authenticate": 'Bearer realm="firestartr"'},
    ).response()


async def read_json(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise validation_error([("body", "is required")])
    try:
        return json.loads(raw)
    except ValueError:
        raise validation_error([("body", "is not valid JSON")]) from None


async def serve_v1(sim: Simulator, request: Request, handler: Handler) -> Response:
    key = request.headers.get("idempotency-key")
    response = await _guarded(sim, request, handler, key)
    sim.log.add(
        request.method, request.url.path, response.status_code, key, rfc3339_ms(time.time())
    )
    return response


async def _guarded(sim: Simulator, request: Request, handler: Handler, key: str | None) -> Response:
    if not sim.authorized(request):
        return unauthorized()
    faults = sim.faults
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    limit = faults.rate_limit_per_minute or RATE_LIMIT_PER_MINUTE
    verdict = sim.limiter.hit(sim.options.api_key, limit, time.time())
    if not verdict.allowed:
        response = ApiError(
            429,
            "rate_limited",
            f"Rate limit of {limit} requests per minute exceeded; retry in {verdict.retry_after}s",
            headers={"Retry-After": str(verdict.retry_after)},
            retry_after=verdict.retry_after,
        ).response()
    elif faults.error_rate and sim.fault_rng.random() < faults.error_rate:
        status = faults.error_status
        # 429 and 503 say when to come back, as real throttles and maintenance pages do.
        retry = {"retry_after": 1} if status in (429, 503) else {}
        response = ApiError(
            status,
            FAULT_ERRORS.get(status, f"http_{status}"),
            f"Simulated fault: the API answered {status}",
            headers={"Retry-After": "1"} if retry else None,
            **retry,
        ).response()
    elif faults.malformed_rate and sim.fault_rng.random() < faults.malformed_rate:
        response = Response(GARBLED_BODY, status_code=200, media_type="application/json")
    else:
        response = await _idempotent(sim, request, handler, key)
        if response.status_code == 304:
            verdict = sim.limiter.refund(sim.options.api_key, limit, time.time())
    response.headers.update(verdict.headers())
    return response


async def _idempotent(
    sim: Simulator, request: Request, handler: Handler, key: str | None
) -> Response:
    if request.method != "POST" or not key:
        return await _call(sim, request, handler)
    slot = (sim.options.api_key, key)
    method, path = request.method, request.url.path
    replay = sim.idempotency.get(slot)
    if replay is not None:
        if (replay.method, replay.path) != (method, path):
            return ApiError(
                422,
                "idempotency_key_reused",
                f"Idempotency-Key '{key}' was already used for {replay.method} {replay.path}",
            ).response()
        headers = {**replay.headers, "Idempotent-Replayed": "true"}
        return Response(replay.body, status_code=replay.status, headers=headers)
    if slot in sim.idempotency.in_flight:
        return ApiError(
            409,
            "idempotency_key_in_use",
            f"A request with Idempotency-Key '{key}' is still being processed",
        ).response()
    sim.idempotency.in_flight.add(slot)
    try:
        response = await _call(sim, request, handler)
    finally:
        sim.idempotency.in_flight.discard(slot)
    # Throttled or failed answers are not remembered: retrying them with the same key must act.
    if response.status_code < 500 and response.status_code != 429:
        kept = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
        sim.idempotency.put(
            slot, Replay(method, path, response.status_code, kept, bytes(response.body))
        )
    return response


async def _call(sim: Simulator, request: Request, handler: Handler) -> Response:
    try:
        return await handler(sim, request)
    except ApiError as error:
        return error.response()


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, payload, headers)
