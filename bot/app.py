"""build_app(deps): the Bolt App with its listeners and one error handler; run_bot() starts it.

HTTP mode serves `POST /slack/events` and `GET /healthz` on uvicorn (a production ASGI server);
Socket Mode (bot/socket_mode.py) is used when SLACK_APP_TOKEN is set.
"""

from __future__ import annotations

import http.client
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient

from bot import __version__, redact, wiring
from bot.errors import FsyncError
from bot.settings import Settings, take_secrets_from_environment
from bot.slack import once, reply
from bot.slack.deps import Deps
from bot.startup import ask_slack, network_reason

log = logging.getLogger(__name__)
LISTENER_THREADS = 64
SHUTDOWN_GRACE = 6.0


def build_app(
    deps: Deps, *, token_verification: bool = True, executor: Executor | None = None
) -> App:
    settings = deps.settings
    pool = executor or ListenerPool(LISTENER_THREADS)
    quiet_bolt_verification_log()
    app = App(
        signing_secret=Settings.secret(settings.slack_signing_secret) or None,
        client=deps.web,
        process_before_response=False,
        token_verification_enabled=token_verification,
        listener_executor=pool,
        raise_error_for_unhandled_request=False,
    )
    app.use(once.middleware(once.SeenRequests(deps.store)))

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        # When a middleware fails, Bolt calls this on the thread that answers Slack: the report
        # (a post to a response_url, which may hang) goes to a listener thread instead.
        try:
            pool.submit(reply.report_error, error, body, client)
        except RuntimeError:  # shutting down: no thread to report on
            log.warning("could not report an error while stopping", exc_info=error)

    from bot.slack import actions, approvals, commands, home

    commands.register(app, deps)
    actions.register(app, deps)
    approvals.register(app, deps)
    home.register(app, deps)
    return app


class _NoBody(logging.Filter):
    """Bolt logs the whole body (and the signature) of a request that fails its signature check."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = "refused a request: invalid signature (Bolt's check)", ()
        return True


def quiet_bolt_verification_log() -> None:
    """Keep Bolt's signature check (App.dispatch callers other than bot/http.py rely on it, and
    it backs up the edge's) but never its log line: a request body, a token, a response_url."""
    logger = logging.getLogger(f"slack_bolt.{RequestVerification.__name__}")
    if not any(isinstance(f, _NoBody) for f in logger.filters):
        logger.addFilter(_NoBody())


def run_bot(settings: Settings | None = None) -> int:
    """Start fsync; 2 (with one line on stderr saying what to fix) when it cannot start."""
    from bot.check import describe_settings_errors

    if settings is None:
        try:
            settings = Settings()
        except Exception as exc:  # pydantic's ValidationError: say which settings are wrong
            print(describe_settings_errors(exc), file=sys.stderr)
            return 2
        take_secrets_from_environment()
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
        return _cannot_start(
            f"missing settings: {', '.join(missing)}. See `fsync-bot check` and the README."
        )
    try:
        deps = wiring.build(settings)  # the database first: no network needed to find it unusable
    except FsyncError as exc:
        return _cannot_start(exc.user_message)
    slack = ask_slack(settings)
    if slack.problem is not None:
        deps.stop_background()
        return _cannot_start(slack.problem)
    log.info("fsync %s starting as @%s in %s", __version__, slack.user, slack.team)
    executor = ListenerPool(LISTENER_THREADS)
    try:
        # Bolt asks auth.test once more itself: Slack may have gone since ask_slack().
        app = build_app(deps, executor=executor)
    except (BoltError, OSError, http.client.HTTPException) as exc:
        deps.stop_background()
        reason = network_reason(exc) if not isinstance(exc, BoltError) else str(exc)
        return _cannot_start(f"Slack did not accept fsync at start: {reason}")
    try:
        if settings.socket_mode:
            return _serve_socket_mode(app, deps)
        from bot.http import serve

        deps.start_background()
        serve(app, deps)
    finally:
        # In-flight listeners (already acked) finish their answers before the process leaves.
        drain(executor, timeout=SHUTDOWN_GRACE)
        deps.stop_background()
    return 0


def _cannot_start(problem: str) -> int:
    print(f"fsync-bot run: {redact.url(problem)}", file=sys.stderr)
    return 2


def _serve_socket_mode(app: App, deps: Deps) -> int:
    from slack_sdk.errors import SlackApiError

    from bot.health import HealthServer
    from bot.socket_mode import SocketModeHandler

    port = deps.settings.health_port or deps.settings.port
    try:
        health = HealthServer(deps, port)
    except OSError as exc:
        return _cannot_start(f"cannot serve /healthz, /readyz, /metrics on port {port}: {exc}")
    health.start()
    log.info("fsync %s connecting in Socket Mode (health, metrics: port %d)", __version__, port)
    try:
        token = Settings.secret(deps.settings.slack_app_token)
        handler = SocketModeHandler(app, token, metrics=deps.metrics)
        handler.start(ready=deps.start_background)
    except SlackApiError as exc:
        error = exc.response.get("error")
        return _cannot_start(
            f"Slack refused a Socket Mode connection ({error}). "
            "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write."
        )
    except (OSError, http.client.HTTPException) as exc:
        where = redact.url(deps.settings.slack_api_url)
        return _cannot_start(
            f"Slack at {where} is unreachable for Socket Mode ({network_reason(exc)})."
        )
    finally:
        health.stop()
    return 0


def drain(executor: Executor, *, timeout: float) -> None:
    done = threading.Event()

    def wait() -> None:
        executor.shutdown(wait=True)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    if not done.wait(timeout):
        log.warning("stopping with listeners still running after %.0f s", timeout)


class ListenerPool(Executor):
    """Starts every listener at once: on an idle pooled thread, else on a thread of its own.

    Bolt runs a listener's ack() on this executor, and a listener acks first and then waits on
    the Sync API (4 s for a slow fleet, up to 30 s for the rate limiter). A bounded pool full of
    such waiting listeners would queue the next requests' acks past Slack's 3 s deadline
    (benchmark 1 saw 2 s acks with 100 commands in flight against a 64-thread pool).
    """

    def __init__(self, keep: int) -> None:
        self._pool = ThreadPoolExecutor(keep, thread_name_prefix="listener")
        self._keep = keep
        self._busy = 0
        self._extra: set[threading.Thread] = set()
        self._closed = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new listeners after shutdown")
            pooled = self._busy < self._keep
            if pooled:
                self._busy += 1
        if pooled:
            # Outside the lock: a listener that is already done runs the callback right here.
            pooled_future = self._pool.submit(fn, *args, **kwargs)
            pooled_future.add_done_callback(self._release)
            return pooled_future
        future: Future[Any] = Future()

        def run() -> None:
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args, **kwargs))
                    except BaseException as exc:
                        future.set_exception(exc)
            finally:
                with self._lock:
                    self._extra.discard(thread)

        thread = threading.Thread(target=run, name="listener-extra", daemon=True)
        with self._lock:
            self._extra.add(thread)
        thread.start()
        return future

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._busy -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            extra = list(self._extra)
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            for thread in extra:
                thread.join()
