"""HTTP mode: Bolt behind Starlette on uvicorn. `POST /slack/events`, `GET /healthz`."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn
from slack_bolt import App, BoltRequest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot import __version__
from bot.runtime import Deps
from bot.slack.reply import ACK_GATE, AckGate

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def asgi_app(app: App, deps: Deps) -> Starlette:
    gate = AckGate()

    async def events(request: Request) -> Response:
        gate.enter()
        try:
            body = (await request.body()).decode("utf-8", errors="replace")
            bolt_request = BoltRequest(
                body=body,
                query=request.url.query,
                headers={k: v for k, v in request.headers.items()},
                context={ACK_GATE: gate},
            )
            # dispatch() verifies the signature, runs the listener's ack, and returns: off the
            # loop.
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        except BaseException:
            gate.leave()
            raise
        headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        return _Ack(bolt_response.body, bolt_response.status, headers, gate)

    async def healthz(_: Request) -> Response:
        last = deps.client.last_ok_at
        db_ok = await run_in_threadpool(deps.store.ping)
        return JSONResponse(
            {
                "ok": db_ok,
                "version": __version__,
                "database": "ok" if db_ok else "unavailable",
                "sync_api_last_ok": last.isoformat() if last else None,
            },
            status_code=200 if db_ok else 503,
        )

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


class _Ack(Response):
    """The answer to Slack; the gate learns when it has been sent (or could not be)."""

    def __init__(self, body: str, status: int, headers: dict[str, str], gate: AckGate) -> None:
        super().__init__(body, status_code=status, headers=headers)
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.gate.leave()


def serve(app: App, deps: Deps) -> None:
    port = deps.settings.port
    log.info(
        "fsync %s serving HTTP on port %d (POST /slack/events, GET /healthz)", __version__, port
    )
    config = uvicorn.Config(
        asgi_app(app, deps),
        host="0.0.0.0",  # noqa: S104 - Slack must reach it
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
    )
    _Server(config).run()


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after a graceful shutdown, so the process would end 'killed';
    a deliberate stop is a clean exit (0) for process managers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
