"""The one client of the Firestartr Pro Terraform Sync API (docs/firestartr-sync-api.md).

Every request first takes a token from the shared RateLimiter; every answer is read tolerantly
through the models; everything that goes wrong leaves as a bot.errors.SyncAPIError whose
`user_message` a Slack user can act on. One SyncClient is shared by the Slack listener threads
and the poller: httpx.Client is thread-safe and the little state kept here is guarded.

Retries: GETs and POSTs (which always carry an Idempotency-Key, reused on every retry) are retried
on timeouts, connection errors and 5xx; PUT config only when the request was never sent. A 429 is
handled by waiting (within `max_wait`), except a sync trigger's `sync_rate_limited`, which the
person is told about.

A 404/405 from an [ASSUMED] endpoint turns that feature off for a while, not for good: see
features.py (the verdict is timed on the limiter's clock).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from bot import __version__
from bot.firestartr import cursor, reading
from bot.firestartr.features import RECHECK, Features
from bot.firestartr.listing import FleetListing
from bot.firestartr.models import Config, Conflict, ResolveResult, Run
from bot.firestartr.names import validate_id, validate_name
from bot.firestartr.ratelimit import Priority, RateLimiter
from bot.firestartr.sending import API, Call
from bot.metrics import Metrics

if TYPE_CHECKING:
    from bot.settings import Settings


log = logging.getLogger(__name__)
LOG_TAIL_MAX = 1000  # lines: the most the contract serves
LOG_MAX_BYTES = 512 * 1024  # of a log answer read, its end kept (bot/firestartr/sending.py)


class SyncClient(FleetListing):
    """Typed access to Sync API endpoints 1-8; see the module docstring for the rules."""

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        timeout: httpx.Timeout | float = httpx.Timeout(10.0, connect=3.0),  # noqa: B008
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        feature_recheck: float = RECHECK,
        metrics: Metrics | None = None,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._has_key = bool(key)
        url = httpx.URL(base_url.rstrip("/"))
        self._host = url.host + (f":{url.port}" if url.port else "")
        # Shown in repr and logs: no user:password part, whatever the setting held.
        self.base_url = f"{url.scheme}://{self._host}{url.path.rstrip('/')}"
        headers = {"User-Agent": f"fsync-bot/{__version__}", "Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(
            base_url=url, headers=headers, transport=transport, timeout=timeout
        )
        self.metrics = metrics or Metrics()
        self._limiter = limiter if limiter is not None else RateLimiter(metrics=self.metrics)
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._features = Features(self._limiter.clock, feature_recheck)
        self._last_fleet = reading.ListingCache()
        self.last_unchanged = False
        self.last_changes: cursor.Changes | None = None
        self.last_ok_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kw: Any) -> SyncClient:
        per_minute = settings.firestartr_rate_limit
        kw.setdefault("limiter", RateLimiter(per_minute=per_minute, metrics=kw.get("metrics")))
        key = settings.firestartr_api_key or SecretStr("")
        return cls(settings.firestartr_api_url, key, **kw)

    @property
    def features(self) -> dict[str, bool]:
        """Whether each [ASSUMED] feature is offered, as far as fsync knows now."""
        return self._features.snapshot()

    def __repr__(self) -> str:
        return f"SyncClient(base_url={self.base_url!r}, features={self.features!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- endpoints -------------------------------------------------------------------------------

    def trigger_sync(
        self, name: str, *, requested_by: str | None = None, idempotency_key: str | None = None
    ) -> Run | None:
        validate_name(name)
        path = f"{API}/workspaces/{quote(name, safe='')}/sync"
        call = Call(
            "POST",
            path,
            self._ctx(path, workspace=name),
            body={"requested_by": requested_by} if requested_by else None,
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            sync_trigger=True,
            endpoint="POST /workspaces/{name}/sync",
        )
        return reading.read_triggered_run(self._send(call), name)

    def get_config(self) -> tuple[Config, str | None]:
        path = f"{API}/config"
        response = self._send(Call("GET", path, self._ctx(path), endpoint="GET /config"))
        return reading.read_model(response, Config), response.headers.get("etag")

    def put_config(self, config: Config, *, etag: str | None) -> Config:
        path = f"{API}/config"
        call = Call(
            "PUT",
            path,
            self._ctx(path),
            body=config.model_dump(mode="json"),
            headers={"If-Match": etag} if etag else {},
            only_unsent=True,
            endpoint="PUT /config",
        )
        response = self._send(call)
        # The contract answers with the stored config; a bare 2xx means ours was stored as sent.
        return reading.read_model(response, Config) if response.content.strip() else config

    def get_run(self, run_id: str, *, priority: Priority = Priority.PERSON) -> Run:
        validate_id(run_id, "run id")
        path = f"{API}/runs/{quote(run_id, safe='')}"
        ctx = self._ctx(path, run_id=run_id)
        call = Call("GET", path, ctx, priority=priority, feature="runs", endpoint="GET /runs/{id}")
        return reading.read_model(self._send(call), Run)

    # [ASSUMED] plans that wait for a yes: a 404/405 turns the feature off (features.py).
    def approve_run(
        self, run_id: str, *, requested_by: str | None = None, idempotency_key: str | None = None
    ) -> Run:
        return self._decide(run_id, "approve", "approved_by", requested_by, idempotency_key)

    def discard_run(
        self, run_id: str, *, requested_by: str | None = None, idempotency_key: str | None = None
    ) -> Run:
        return self._decide(run_id, "discard", "discarded_by", requested_by, idempotency_key)

    def _decide(self, run_id: str, verb: str, by_key: str, by: str | None, key: str | None) -> Run:
        validate_id(run_id, "run id")
        path = f"{API}/runs/{quote(run_id, safe='')}/{verb}"
        call = Call(
            "POST",
            path,
            self._ctx(path, run_id=run_id),
            body={by_key: by} if by else None,
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
            feature="approvals",
            endpoint=f"POST /runs/{{id}}/{verb}",
        )
        return reading.read_model(self._send(call), Run)

    def list_conflicts(
        self,
        *,
        workspace: str | None = None,
        status: str | None = "open",
        priority: Priority = Priority.PERSON,
    ) -> list[Conflict]:
        if workspace is not None:
            validate_name(workspace)
        params = {k: v for k, v in (("workspace", workspace), ("status", status)) if v is not None}
        path = f"{API}/conflicts"
        call = Call(
            "GET",
            path,
            self._ctx(path, workspace=workspace),
            priority=priority,
            params=params,
            feature="conflicts",
            endpoint="GET /conflicts",
        )
        return reading.read_items(self._send(call), "conflicts", Conflict)

    def get_conflict(self, conflict_id: str, *, priority: Priority = Priority.PERSON) -> Conflict:
        validate_id(conflict_id, "conflict id")
        path = f"{API}/conflicts/{quote(conflict_id, safe='')}"
        ctx = self._ctx(path, conflict_id=conflict_id)
        call = Call(
            "GET", path, ctx, priority=priority, feature="conflicts", endpoint="GET /conflicts/{id}"
        )
        return reading.read_model(self._send(call), Conflict)

    def resolve_conflict(
        self,
        conflict_id: str,
        resolution: str,
        *,
        resolved_by: str | None = None,
        idempotency_key: str | None = None,
    ) -> ResolveResult:
        validate_id(conflict_id, "conflict id")
        validate_id(resolution, "resolution")
        path = f"{API}/conflicts/{quote(conflict_id, safe='')}/resolve"
        body = {"resolution": resolution}
        if resolved_by:
            body["resolved_by"] = resolved_by
        call = Call(
            "POST",
            path,
            self._ctx(path, conflict_id=conflict_id, resolution=resolution),
            body=body,
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            feature="conflicts",
            endpoint="POST /conflicts/{id}/resolve",
        )
        return reading.read_resolve_result(self._send(call))

    def run_log(self, run_id: str, *, tail: int = 200) -> str:
        """The last `tail` lines (1 to 1000) of a run's log, as the server wrote them (ANSI colour
        codes included). [ASSUMED]: FeatureUnavailable("logs") when the server has no logs."""
        validate_id(run_id, "run id")
        path = f"{API}/runs/{quote(run_id, safe='')}/log"
        call = Call(
            "GET",
            path,
            self._ctx(path, run_id=run_id),
            params={"tail": str(max(1, min(LOG_TAIL_MAX, tail)))},
            headers={"Accept": "text/plain"},
            feature="logs",
            endpoint="GET /runs/{id}/log",
            max_bytes=LOG_MAX_BYTES,
        )
        return self._send(call).content.decode("utf-8", errors="replace")
