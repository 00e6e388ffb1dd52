"""The yardstick for benchmark 1: a Bolt app whose `/fsync` only acks, served the way fsync is.

Same signing secret, same Starlette wrapper (`POST /slack/events` dispatched off the event loop),
same uvicorn settings as bot/http.py; no Sync API, no database, no listeners doing work.

    python -m bench.bare_app --port 3999 --slack-api-url http://127.0.0.1:3998/api/
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.botproc import BOT_TOKEN
from tests.support.slackreq import SIGNING_SECRET


def bare_bolt_app(slack_api_url: str) -> App:
    # Bolt calls auth.test once, on the first request: at the same fake Slack as fsync's.
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),
        token_verification_enabled=False,
        process_before_response=False,
    )

    @app.command("/fsync")
    def fsync_command(ack: Ack) -> None:
        ack()

    return app


def asgi_app(app: App) -> Starlette:
    """bot.http.asgi_app without the deps (its /healthz reads the database)."""

    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        bolt_request = BoltRequest(
            body=body, query=request.url.query, headers={k: v for k, v in request.headers.items()}
        )
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        return Response(bolt_response.body, status_code=bolt_response.status, headers=headers)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="a Bolt app that only acks /fsync")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--slack-api-url", required=True)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(
        asgi_app(bare_bolt_app(args.slack_api_url)),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=8,
    )


if __name__ == "__main__":
    main()
