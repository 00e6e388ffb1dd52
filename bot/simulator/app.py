"""The simulator's ASGI app: /v1 (the Sync API), /_sim (control) and JSON for everything else."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.simulator.api import v1_routes
from bot.simulator.context import Simulator
from bot.simulator.control import control_routes
from bot.simulator.errors import ApiError
from bot.simulator.log_api import ui_routes

log = logging.getLogger(__name__)


async def _elsewhere(request: Request) -> Response:
    return ApiError(404, "not_found", f"No endpoint at {request.url.path}").response()


async def _crash(request: Request, exc: Exception) -> Response:
    # A simulator bug must still answer in the API's error shape, or it would look like a proxy.
    log.exception("simulator handler crashed on %s %s", request.method, request.url.path)
    return ApiError(500, "internal_error", f"Simulator error: {type(exc).__name__}").response()


def build_app(sim: Simulator) -> Starlette:
    routes = [
        *v1_routes(sim),
        *control_routes(sim),
        *ui_routes(sim),
        Route("/{rest:path}", _elsewhere, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return Starlette(routes=routes, exception_handlers={Exception: _crash})
