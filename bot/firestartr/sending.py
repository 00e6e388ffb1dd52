"""How SyncClient sends a request: the rate limiter, retries with jittered backoff, 429 waits,
[ASSUMED] features switched off on 404/405, and every failure turned into a SyncAPIError.

The rules are in bot/firestartr/client.py's docstring; the endpoints are there too.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.firestartr import failures, reading
from bot.firestartr.failures import Context
from bot.firestartr.features import Features
from bot.firestartr.models import Workspace
from bot.firestartr.ratelimit import Priority, RateLimiter
from bot.metrics import Metrics

log = logging.getLogger("bot.firestartr.client")  # the name operators already filter on

API = "/v1/terraform/sync"
_DEFAULT_429_WAIT = 1.0
# A server that answers `Retry-After: 0` forever must not turn the client into a busy loop.
_MIN_429_WAIT = 0.25
_MAX_BACKOFF = 8.0
_RETRY_ANY = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# Errors raised before a single byte left: safe to retry even for a non-idempotent PUT.
_RETRY_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    ctx: Context
    priority: Priority = Priority.PERSON
    params: dict[str, str] | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    only_unsent: bool = False  # retry only errors where the request never left
    feature: str | None = None  # [ASSUMED] endpoint whose 404/405 means "no such feature"
    sync_trigger: bool = False
    # Read at most this much of the body, keeping its end (a log); None: the whole JSON answer.
    max_bytes: int | None = None
    # The route template, for metrics: never a workspace name or an id (bot/metrics.py).
    endpoint: str = ""


class Sending:
    """The request loop SyncClient inherits; SyncClient.__init__ sets these attributes."""

    _http: httpx.Client
    _host: str
    _has_key: bool
    _limiter: RateLimiter
    _features: Features
    _sleep: Callable[[float], None]
    metrics: Metrics
    retries: int
    backoff: float
    max_wait: float
    last_ok_at: datetime | None

    def _ctx(self, path: str, **kw: str | None) -> Context:
        return Context(path=path, has_key=self._has_key, **kw)

    def _send(
        self, call: Call, *, retries: int | None = None, max_wait: float | None = None
    ) -> httpx.Response:
        if call.feature and not self._features.offered(call.feature):
            raise failures.feature_unavailable(call.feature)
        retries = self.retries if retries is None else retries
        budget = self.max_wait if max_wait is None else max_wait
        clock = self._limiter.clock
        started = clock()
        attempt = 0
        while True:
            if not self._limiter.acquire(call.priority, timeout=budget - (clock() - started)):
                raise failures.rate_limited(self._limiter.paused_for() or None)
            try:
                response = self._request(call)
            except httpx.TransportError as exc:
                self.metrics.sync_api_request(call.endpoint, "error")
                allowed = _RETRY_UNSENT if call.only_unsent else _RETRY_ANY
                if attempt < retries and isinstance(exc, allowed):
                    self._backoff(call, attempt, retries, type(exc).__name__)
                    attempt += 1
                    continue
                raise failures.unreachable(self._host, exc) from exc
            self._limiter.observe_headers(response.headers)
            self.metrics.sync_api_request(call.endpoint, response.status_code)
            # A 304 answers only a conditional GET (list_workspaces); it is a success there.
            if response.is_success or (
                response.status_code == 304 and "If-None-Match" in call.headers
            ):
                self.last_ok_at = datetime.now(UTC)
                if call.feature:
                    self._features.seen_working(call.feature)
                return response
            if response.status_code == 429:
                body = failures.error_body(response)
                wait = failures.retry_after(response, body, self._limiter.wall())
                if call.sync_trigger and body is not None and body.error == "sync_rate_limited":
                    raise failures.rate_limited(wait, workspace=call.ctx.workspace)
                wait = max(_MIN_429_WAIT, _DEFAULT_429_WAIT if wait is None else wait)
                self._limiter.pause_until(clock() + wait)
                if clock() - started + wait > budget:
                    raise failures.rate_limited(wait)
                log.info(
                    "Sync API %s %s: rate limited, waiting %.1f s", call.method, call.path, wait
                )
                continue
            if response.status_code >= 500 and not call.only_unsent and attempt < retries:
                self._backoff(call, attempt, retries, f"HTTP {response.status_code}")
                attempt += 1
                continue
            raise self._error(call, response)

    def _request(self, call: Call) -> httpx.Response:
        request = self._http.build_request(
            call.method, call.path, params=call.params, json=call.body, headers=call.headers
        )
        streamed = self._http.send(request, stream=True)
        try:
            if call.max_bytes is None:
                body = read_whole(streamed)
            else:
                body = read_tail(streamed.iter_bytes(), call.max_bytes)
        finally:
            streamed.close()
        # The body is decoded already: its encoding and length no longer describe it.
        headers = [
            (k, v)
            for k, v in streamed.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(streamed.status_code, headers=headers, content=body, request=request)

    def _backoff(self, call: Call, attempt: int, retries: int, reason: str) -> None:
        # Full jitter: callers that failed together do not retry together.
        delay = random.uniform(0.0, min(_MAX_BACKOFF, self.backoff * 2**attempt))
        log.warning(
            "Sync API %s %s failed (%s); retry %d of %d in %.2f s",
            call.method,
            call.path,
            reason,
            attempt + 1,
            retries,
            delay,
        )
        self._sleep(delay)

    def _error(self, call: Call, response: httpx.Response) -> Exception:
        status = response.status_code
        if call.feature and status in (404, 405):
            body = failures.error_body(response)
            if not (status == 404 and body and body.error in failures.KNOWN_NOT_FOUND):
                self._features.turn_off(call.feature)
                log.warning(
                    "Sync API has no %s (HTTP %d from %s %s); feature off, asking again in %.0f s",
                    call.feature,
                    status,
                    call.method,
                    call.path,
                    self._features.recheck,
                )
                return failures.feature_unavailable(call.feature, status)
        return failures.from_response(response, call.ctx, self._known_names)

    def _known_names(self) -> list[str] | None:
        """Workspace names for a not-found message: one quick try, never an error."""
        path = f"{API}/workspaces"
        try:
            response = self._send(Call("GET", path, self._ctx(path)), retries=0, max_wait=2.0)
            return [w.name for w in reading.read_items(response, "workspaces", Workspace)]
        except Exception as exc:  # the message is still right without the names
            log.info("Could not list workspaces for a suggestion: %s", type(exc).__name__)
            return None


# A Content-Length up to this is trusted to size the buffer (a 50,000-workspace listing is 12.5 MB).
_PRESIZE_LIMIT = 64 * 1024 * 1024


def read_whole(streamed: httpx.Response) -> bytes:
    """The whole body, into one buffer sized by its Content-Length when the server sent one and
    no encoding changes its length. httpx's own `read()` joins a list of every chunk: twice the
    body at its peak, 25 MB for a 50,000-workspace listing (bench/poll_tick: peak RSS)."""
    chunks = streamed.iter_bytes()
    first = next(chunks, b"")
    second = next(chunks, None)
    if second is None:  # a body in one piece (small, or from an in-memory transport) as it is
        return first
    buffer = io.BytesIO()
    length = streamed.headers.get("content-length", "")
    encoded = streamed.headers.get("content-encoding", "identity").lower() != "identity"
    if length.isdigit() and 0 < int(length) <= _PRESIZE_LIMIT and not encoded:
        buffer.seek(int(length) - 1)
        buffer.write(b"\0")  # one allocation of the body's size
        buffer.seek(0)
    buffer.write(first)
    buffer.write(second)
    del first, second
    for chunk in chunks:
        buffer.write(chunk)
    buffer.truncate()  # a body shorter than announced
    # getvalue() hands over the buffer itself when nothing else refers to it: no copy.
    return buffer.getvalue()


def read_tail(chunks: Iterator[bytes], limit: int) -> bytes:
    """The last `limit` bytes of a body, read for at most 4 x `limit` bytes: a server that sends
    far more than it was asked for costs a bounded read, never the process's memory. When the
    start was cut off, the first (partial) line goes too."""
    kept = bytearray()
    total, cut = 0, False
    for chunk in chunks:
        total += len(chunk)
        kept += chunk
        if len(kept) > limit:
            del kept[: len(kept) - limit]
            cut = True
        if total >= 4 * limit:
            break
    if cut:
        newline = kept.find(b"\n")
        del kept[: newline + 1 if newline >= 0 else 0]
    return bytes(kept)
