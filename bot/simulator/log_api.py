"""The run log endpoint ([ASSUMED] in docs/firestartr-sync-api.md) and the pages a run's `url`
and `log_url` point at.

`GET /v1/terraform/sync/runs/{id}/log?tail=N` answers the last N lines (default 200, at most
1000) as text/plain, colours and all, like every /v1 endpoint behind the API key. The pages under
/ui are for people who click a link in Slack: no API key (the simulator is a local tool), the log
without its colour codes.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.simulator import logs
from bot.simulator.context import Simulator
from bot.simulator.errors import ApiError, validation_error

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def with_links(run: dict[str, Any], request: Request) -> dict[str, Any]:
    """A run's wire form with its `url` and `log_url` on this simulator."""
    return {**run, **logs.links(str(request.base_url), str(run.get("id", "")))}


def _tail(request: Request) -> int:
    raw = request.query_params.get("tail")
    if raw is None:
        return logs.DEFAULT_TAIL
    if not raw.isdigit() or int(raw) < 1:
        raise validation_error([("tail", f"must be a whole number from 1 to {logs.MAX_TAIL}")])
    return min(int(raw), logs.MAX_TAIL)  # more than the most is the most


def _log_of(sim: Simulator, run_id: str) -> str:
    with sim.engine.store.lock:
        run = sim.engine.store.runs.get(run_id)
        if run is None:
            raise ApiError(404, "run_not_found", f"Run '{run_id}' does not exist")
        return logs.terraform_log(run)


async def get_run_log(sim: Simulator, request: Request) -> Response:
    lines = _tail(request)
    text = _log_of(sim, request.path_params["run_id"])
    return Response(logs.tail(text, lines), media_type="text/plain; charset=utf-8")


def ui_routes(sim: Simulator) -> list[Route]:
    async def page(request: Request) -> Response:
        try:
            text = _log_of(sim, request.path_params["run_id"])
        except ApiError as error:
            return Response(error.message + "\n", status_code=404, media_type="text/plain")
        return Response(_ANSI.sub("", text), media_type="text/plain; charset=utf-8")

    return [Route("/ui/runs/{run_id}", page), Route("/ui/runs/{run_id}/log", page)]
