"""The /_sim control API: how tests and demos steer the simulator (never rate limited)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.simulator import steering
from bot.simulator.context import Simulator
from bot.simulator.errors import ApiError
from bot.simulator.guards import Faults
from bot.simulator.pipeline import ok, read_json, unauthorized

Control = Callable[[Simulator, Request], Awaitable[Response]]


async def add_workspace(sim: Simulator, request: Request) -> Response:
    return ok(steering.add_workspace(sim.engine, await read_json(request)), 201)


async def delete_workspace(sim: Simulator, request: Request) -> Response:
    steering.delete_workspace(sim.engine, request.path_params["name"])
    return Response(status_code=204)


async def set_state(sim: Simulator, request: Request) -> Response:
    name = request.path_params["name"]
    return ok(steering.set_state(sim.engine, name, await read_json(request)))


async def set_next_outcome(sim: Simulator, request: Request) -> Response:
    name = request.path_params["name"]
    return ok(steering.set_next_outcome(sim.engine, name, await read_json(request)))


async def stall(sim: Simulator, request: Request) -> Response:
    name = request.path_params["name"]
    return ok(steering.stall(sim.engine, name, await read_json(request, optional=True)))


async def set_faults(sim: Simulator, request: Request) -> Response:
    sim.faults = Faults.parse(await read_json(request, optional=True))
    return ok({"faults": sim.faults.wire()})


async def recent_requests(sim: Simulator, request: Request) -> Response:
    return ok({"requests": list(sim.log.entries)})


async def reset(sim: Simulator, request: Request) -> Response:
    sim.reset()
    return ok({"reset": True})


async def unknown(sim: Simulator, request: Request) -> Response:
    raise ApiError(404, "not_found", f"No control endpoint at {request.method} {request.url.path}")


CONTROLS: tuple[tuple[str, str, Control], ...] = (
    ("POST", "/workspaces", add_workspace),
    ("DELETE", "/workspaces/{name}", delete_workspace),
    ("POST", "/workspaces/{name}/state", set_state),
    ("POST", "/workspaces/{name}/next_outcome", set_next_outcome),
    ("POST", "/workspaces/{name}/stall", stall),
    ("POST", "/faults", set_faults),
    ("GET", "/requests", recent_requests),
    ("POST", "/reset", reset),
)


def control_routes(sim: Simulator) -> list[Route]:
    def wrap(handler: Control) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not sim.authorized(request):
                return unauthorized()
            try:
                return await handler(sim, request)
            except ApiError as error:
                return error.response()

        return endpoint

    routes = [
        Route("/_sim" + path, wrap(handler), methods=[method], name=f"sim_{handler.__name__}")
        for method, path, handler in CONTROLS
    ]
    any_method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [*routes, Route("/_sim/{rest:path}", wrap(unknown), methods=any_method)]
