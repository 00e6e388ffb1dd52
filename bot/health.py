"""Liveness, readiness and metrics answers, shared by the HTTP server (bot/http.py) and the small
health server Socket Mode runs beside its websocket (`HealthServer`).

- `/healthz`: liveness. The process answers and its database can be read.
- `/readyz`: some process polls the Sync API for alerts. Ready when this process holds the poller
  lease and its last good poll is recent (`STALE_POLLS` intervals, at least `MIN_STALE` seconds),
  or when another live process holds it (that holder's freshness is its own readiness). Else 503,
  with why: who holds the lease, and how old this process's last good poll is.
- `/metrics`: Prometheus text (bot/metrics.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot import __version__
from bot.alerts.lease import live_holder
from bot.metrics import CONTENT_TYPE
from bot.slack.deps import Deps

log = logging.getLogger(__name__)
STALE_POLLS = 3
MIN_STALE = 10.0  # a very short interval must not make one slow poll look like an outage

Answer = tuple[int, dict[str, Any]]


def liveness(deps: Deps) -> Answer:
    last = deps.client.last_ok_at
    db_ok = deps.store.ping()
    body = {
        "ok": db_ok,
        "version": __version__,
        "database": "ok" if db_ok else "unavailable",
        "sync_api_last_ok": last.isoformat() if last else None,
    }
    return (200 if db_ok else 503), body


def readiness(deps: Deps, now: float | None = None) -> Answer:
    now = time.time() if now is None else now
    metrics = deps.metrics
    last = metrics.last_good_poll
    age = None if last is None else round(now - last, 3)
    stale_after = max(STALE_POLLS * deps.settings.poll_interval, MIN_STALE)
    held = metrics.lease_held is not None and metrics.lease_held()
    try:
        holder = live_holder(deps.store.db, now)
    except Exception:  # the database is unavailable: nobody can be known to poll
        log.warning("readiness: could not read the poller lease", exc_info=True)
        holder = None
    body: dict[str, Any] = {"lease": None, "last_good_poll_age_s": age}
    if held:
        body["lease"] = "this process"
        if age is not None and age <= stale_after:
            return 200, {"ready": True, **body}
        why = "no good poll yet" if age is None else f"last good poll {age:.0f} s ago"
        return 503, {"ready": False, **body, "reason": f"{why} (stale after {stale_after:.0f} s)"}
    if holder is not None:
        return 200, {"ready": True, **body, "lease": holder}
    return 503, {"ready": False, **body, "reason": "no process holds the poller lease"}


class HealthServer:
    """GET /healthz, /readyz and /metrics on a port of their own, in a thread (Socket Mode has no
    HTTP server of its own). Any other path is a 404; nothing else is read from the request."""

    def __init__(self, deps: Deps, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104
        handler = _handler(deps)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="health-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)


def _handler(deps: Deps) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"fsync/{__version__}"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, deps.metrics.scrape(), CONTENT_TYPE)
            elif path in ("/healthz", "/readyz"):
                status, body = liveness(deps) if path == "/healthz" else readiness(deps)
                self._send(status, json.dumps(body).encode(), "application/json")
            else:
                self._send(404, b"", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a scrape every few seconds is not worth a log line

    return Handler
