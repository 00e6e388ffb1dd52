"""Socket Mode: Bolt's handler on slack_sdk's websocket-client transport, with a pong deadline.

Why not Bolt's default `slack_bolt.adapter.socket_mode.SocketModeHandler` (slack_sdk's built-in
client): when the server closes the socket, its receive loop reads b"" (end of stream) as "no
data yet" and loops on it at a full core, and it reconnects only after five failed pings (about
a minute); a `disconnect` refresh spins it as well (tests/e2e/test_socket_mode.py measured both;
python-slack-sdk#1727 reports the same loop). The websocket-client transport sees the end of
stream and reconnects at once (and, like the built-in one, honours https_proxy / no_proxy).

Why `ping_timeout`: slack_sdk starts websocket-client's `run_forever` without one, and then
(1) a connection that dies without a FIN (a NAT or load balancer forgetting it) is never noticed,
and (2) its read loop waits out websocket-client's 10 s default poll on the socket it closed
after a `disconnect` before it opens the new one: ten seconds in which no command is answered.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.metrics import Metrics

PING_INTERVAL = 5.0  # seconds between our pings
PONG_TIMEOUT = 2.0  # no pong by then: the connection is dead; also bounds the read loop's poll
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SIGNAL_CHECK = 0.2  # seconds: how late a stop signal may be noticed


class _Client(SocketModeClient):
    def _run_current_session(self) -> None:
        # slack_sdk's own version of this (private) method, plus `ping_timeout`. Should an
        # upgrade rename it, tests/e2e/test_socket_mode.py's refresh test sees the 10 s gaps.
        session = self.current_session
        if session is None:
            return
        try:
            session.run_forever(ping_interval=self.ping_interval, ping_timeout=PONG_TIMEOUT)
        except Exception:
            self.logger.exception("the Socket Mode connection failed; reconnecting")
            session.close()


class SocketModeHandler(BaseSocketModeHandler):
    def __init__(self, app: App, app_token: str, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics or Metrics()
        self.client = _Client(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def start(self, ready: Callable[[], None] = lambda: None) -> None:
        """Serve until SIGTERM or SIGINT, then close the socket and return: `run_bot` then lets
        the listeners already acked finish (Bolt's own start() blocks until the process is
        killed, answers and all). `ready` runs once connected: a refused app token stops the
        start before any background work begins, so its one line is the last said."""
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
        try:
            self.connect()
            self.app.logger.info("connected in Socket Mode")
            ready()
            # Not stop.wait(): a signal delivered to another thread leaves a main thread blocked
            # on a lock without a timeout asleep, and the handler that sets `stop` never runs
            # (a SIGTERM under load was ignored for good: tests/e2e/test_socket_mode.py).
            while not stop.wait(SIGNAL_CHECK):
                pass
            self.app.logger.info("stopping: closing the Socket Mode connection")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.close()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        send_response(client, req, run_bolt_app(self.app, req), started)
        self.metrics.ack(time.time() - started)  # the ack has gone out on the socket
