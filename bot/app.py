"""build_app(deps): the Bolt App with its listeners and one error handler; run_bot() starts it.

HTTP mode serves `POST /slack/events` and `GET /healthz` on uvicorn (a production ASGI server);
Socket Mode is used when SLACK_APP_TOKEN is set.
"""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import __version__
from bot.errors import FsyncError
from bot.runtime import Deps
from bot.settings import Settings
from bot.slack import reply

log = logging.getLogger(__name__)
LISTENER_THREADS = 64
SHUTDOWN_GRACE = 6.0


def build_app(
    deps: Deps, *, token_verification: bool = True, executor: Executor | None = None
) -> App:
    settings = deps.settings
    app = App(
        signing_secret=Settings.secret(settings.slack_signing_secret) or None,
        client=deps.web,
        process_before_response=False,
        token_verification_enabled=token_verification,
        # Listeners ack at once and then wait on the Sync API: size the pool for many at a time.
        listener_executor=executor
        or ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="listener"),
        raise_error_for_unhandled_request=False,
    )

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        reply.report_error(error, body, client)

    from bot.slack import actions, commands, home

    commands.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    return app


def run_bot(settings: Settings | None = None) -> int:
    from bot.check import describe_settings_errors

    try:
        settings = settings or Settings()
    except Exception as exc:  # pydantic's ValidationError: say which settings are wrong
        print(describe_settings_errors(exc), file=sys.stderr)
        return 2
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("FIRESTARTR_API_KEY", settings.firestartr_api_key),
        )
        if value is None
    ]
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
    if missing:
        print(
            f"fsync-bot run: missing settings: {', '.join(missing)}. "
            "See `fsync-bot check` and the README.",
            file=sys.stderr,
        )
        return 2
    try:
        deps = Deps.build(settings)
    except FsyncError as exc:
        print(f"fsync-bot run: {exc.user_message}", file=sys.stderr)
        return 2
    executor = ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="listener")
    app = build_app(deps, executor=executor)
    deps.start_background()
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("fsync %s connecting in Socket Mode", __version__)
            SocketModeHandler(app, Settings.secret(settings.slack_app_token)).start()
        else:
            from bot.http import serve

            serve(app, deps)
    finally:
        # In-flight listeners (already acked) finish their answers before the process leaves.
        drain(executor, timeout=SHUTDOWN_GRACE)
        deps.stop_background()
    return 0


def drain(executor: ThreadPoolExecutor, *, timeout: float) -> None:
    done = threading.Event()

    def wait() -> None:
        executor.shutdown(wait=True)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    if not done.wait(timeout):
        log.warning("stopping with listeners still running after %.0f s", timeout)
