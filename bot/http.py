"""HTTP mode: Bolt behind Starlette on uvicorn. `POST /slack/events`, and `GET /healthz`,
`/readyz` and `/metrics` (bot/health.py)."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterator

import uvicorn
from slack_bolt import App, BoltRequest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot import __version__, health
from bot.metrics import CONTENT_TYPE
from bot.settings import Settings
from bot.slack import edge, once
from bot.slack.deps import Deps
from bot.slack.reply import ACK_GATE, AckGate

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def asgi_app(app: App, deps: Deps) -> Starlette:
    gate = AckGate()
    secret = Settings.secret(deps.settings.slack_signing_secret)
    seen = once.SeenRequests(deps.store)
    refusals = _Refusals()

    async def events(request: Request) -> Response:
        arrived = time.perf_counter()
        # The edge (bot/slack/edge.py): size, then signature over the raw bytes, then shape.
        # Nothing in the body is read before its signature holds.
        headers = request.headers
        signature = headers.get("x-slack-signature")
        try:
            edge.check_length(headers.get("content-length"))
            raw = await edge.read_capped(request.stream())
            moment = edge.verify(
                secret, headers.get("x-slack-request-timestamp"), signature, raw, time.time()
            )
            edge.parse(raw, headers.get("content-type"))
        except edge.Refused as refused:
            refusals.log(refused.status, refused.reason)
            return Response(status_code=refused.status)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to answer
        try:
            bolt_request = BoltRequest(
                body=raw.decode("utf-8"),
                query=request.url.query,
                headers=dict(headers.items()),
                context={ACK_GATE: gate},
            )
        except Exception as exc:  # signed, in a shape edge.parse let through but Bolt cannot read
            refusals.log(400, f"body Bolt cannot read ({type(exc).__name__})")
            return Response(status_code=400)
        # From here the request is Slack's: it counts as a pending ack (AckGate) until answered.
        gate.enter()
        try:
            if not await run_in_threadpool(
                seen.first, edge.replay_key(signature or ""), until=moment + edge.WINDOW
            ):
                log.info("ignored a replayed Slack request (signature already seen)")
                return _Ack("", 200, {}, gate, ack_timer(arrived))
            # dispatch() runs the listener's ack and returns: off the loop.
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        except Exception:
            # A signed request, so a bug of ours (or Bolt's own error path failing: its argument
            # builder re-reads the body), to be found in the log, not the caller's fault.
            gate.leave()
            log.exception("could not handle a signed Slack request")
            return Response(status_code=500)
        except BaseException:
            gate.leave()
            raise
        headers_out = {k: v[0] for k, v in bolt_response.headers.items() if v}
        return _Ack(bolt_response.body, bolt_response.status, headers_out, gate, ack_timer(arrived))

    def ack_timer(arrived: float) -> Callable[[], None]:
        return lambda: deps.metrics.ack(time.perf_counter() - arrived)

    async def healthz(_: Request) -> Response:
        status, body = await run_in_threadpool(health.liveness, deps)
        return JSONResponse(body, status_code=status)

    async def readyz(_: Request) -> Response:
        status, body = await run_in_threadpool(health.readiness, deps)
        return JSONResponse(body, status_code=status)

    async def metrics(_: Request) -> Response:
        # Off the loop: the outbox gauges read the database.
        text = await run_in_threadpool(deps.metrics.scrape)
        return Response(text, media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


class _Refusals:
    """One log line per refused request, at most one a second under a flood (the rest counted):
    the reason and status only, never the body, a header value or a URL."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self.last, self.skipped = every, -every, 0

    def log(self, status: int, reason: str) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            self.skipped += 1
            return
        more = f" (and {self.skipped} more refused since the last line)" if self.skipped else ""
        self.last, self.skipped = now, 0
        log.warning("refused a request to /slack/events: %d %s%s", status, reason, more)


class _Ack(Response):
    """The answer to Slack; the gate learns when it has been sent (or could not be)."""

    def __init__(
        self,
        body: str,
        status: int,
        headers: dict[str, str],
        gate: AckGate,
        sent: Callable[[], None],
    ) -> None:
        super().__init__(body, status_code=status, headers=headers)
        self.gate, self.sent = gate, sent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
            self.sent()  # the ack latency: from the request's arrival to here
        finally:
            self.gate.leave()


def serve(app: App, deps: Deps) -> None:
    port = deps.settings.port
    log.info(
        "fsync %s serving HTTP on port %d (POST /slack/events, GET /healthz /readyz /metrics)",
        __version__,
        port,
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
