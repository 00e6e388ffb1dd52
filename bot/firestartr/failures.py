"""Turn what the Sync API said (or failed to say) into bot.errors, with messages people can act on.

Messages are text with `code` spans around the names and ids they quote (each passed through
`shown`); the Slack layer escapes `&`, `<` and `>` and keeps the spans. They never carry the API
key: nothing here sees a request's headers. The wording of a refusal the API gave
a reason for (a close workspace name, the allowed resolutions, what was invalid) is in
bot/firestartr/refusals.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from bot.errors import (
    APIUnreachable,
    ConfigVersionMismatch,
    ConflictAlreadyResolved,
    ConflictNotFound,
    FeatureUnavailable,
    RateLimited,
    RunNotFound,
    ServerError,
    SyncAPIError,
    SyncDisabled,
    SyncInProgress,
    Unauthorized,
    UnexpectedResponse,
)
from bot.firestartr.models import ErrorBody
from bot.firestartr.names import shown
from bot.firestartr.ratelimit import parse_retry_after
from bot.firestartr.refusals import (
    approval_too_late,
    conflict_done,
    resolution_not_allowed,
    validation_failed,
    workspace_not_found,
)

KNOWN_NOT_FOUND = frozenset({"workspace_not_found", "run_not_found", "conflict_not_found"})
FEATURE_WORDS = {
    "runs": "sync run details",
    "conflicts": "conflicts",
    "logs": "run logs",
    "approvals": "plan approvals",
}


@dataclass(frozen=True)
class Context:
    """What fsync was doing, so a message can name it."""

    path: str
    workspace: str | None = None
    run_id: str | None = None
    conflict_id: str | None = None
    resolution: str | None = None
    has_key: bool = True


def content_kind(response: httpx.Response) -> str:
    if not response.content:
        return "empty body"
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    return kind or "no content type"


def unexpected(response: httpx.Response) -> UnexpectedResponse:
    return UnexpectedResponse(
        "The Sync API sent an answer fsync could not read "
        f"(HTTP {response.status_code}, {content_kind(response)}).",
        status=response.status_code,
    )


def error_body(response: httpx.Response) -> ErrorBody | None:
    """The API's JSON error body, or None when the body is something else (a proxy's HTML)."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("error"), str):
        return None
    try:
        return ErrorBody.model_validate(data)
    except ValidationError:
        return ErrorBody(error=data["error"], message=str(data.get("message") or "") or None)


def unreachable(host: str, exc: httpx.TransportError) -> APIUnreachable:
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif "refused" in text:
        reason = "connection refused"
    elif any(s in text for s in ("name or service", "nodename", "getaddrinfo", "name resolution")):
        reason = "host name not found"
    elif isinstance(exc, httpx.ConnectError):
        reason = "could not connect"
    else:
        reason = "the connection broke off"
    return APIUnreachable(f"fsync could not reach the Sync API at {host} ({reason}).")


def retry_after(response: httpx.Response, body: ErrorBody | None, now: float) -> float | None:
    """Seconds the server asked us to wait: Retry-After, else the body's, else X-RateLimit-Reset."""
    seconds = parse_retry_after(response.headers.get("retry-after"), now)
    if seconds is None and body is not None and body.retry_after is not None:
        seconds = max(0.0, body.retry_after)
    if seconds is None and response.headers.get("x-ratelimit-remaining", "").strip() == "0":
        seconds = parse_retry_after(response.headers.get("x-ratelimit-reset"), now)
        if seconds is not None and seconds > 1e8:  # Unix seconds, not a delta
            seconds = max(0.0, seconds - now)
    return seconds


def _about(seconds: float | None) -> str:
    if seconds is None:
        return "in a minute"
    return f"in about {max(1, round(seconds))} s"


def rate_limited(seconds: float | None, *, workspace: str | None = None) -> RateLimited:
    if workspace is not None:
        return RateLimited(
            f"Firestartr limits how often syncs can be triggered; try `{shown(workspace)}` "
            f"again {_about(seconds)}.",
            retry_after=seconds,
            error="sync_rate_limited",
        )
    return RateLimited(
        f"The Sync API is busy (rate limit reached); try again {_about(seconds)}.",
        retry_after=seconds,
    )


def feature_unavailable(feature: str, status: int | None = None) -> FeatureUnavailable:
    word = FEATURE_WORDS.get(feature, feature)
    return FeatureUnavailable(
        f"This Sync API server does not offer {word}.", feature=feature, status=status
    )


def _server_error(status: int, body: ErrorBody | None) -> ServerError:
    if status in (502, 503, 504):
        message = f"The Sync API is unavailable right now (HTTP {status}). Try again in a minute."
    else:
        message = (
            f"The Sync API failed with an internal error (HTTP {status}). Try again; if it keeps "
            "failing, tell the Firestartr admins."
        )
    request_id = body.request_id if body else None
    if request_id:
        message += f" (request id {request_id})"
    return ServerError(
        message, status=status, error=body.error if body else None, request_id=request_id
    )


def from_response(
    response: httpx.Response, ctx: Context, known: Callable[[], list[str] | None]
) -> SyncAPIError:
    """The error for a non-2xx answer. `known` lists workspace names, best effort, or None."""
    status = response.status_code
    body = error_body(response)
    code = body.error if body else None
    kw: dict[str, Any] = {"status": status, "request_id": body.request_id if body else None}
    if status == 401:
        if not ctx.has_key:
            return Unauthorized("fsync has no API key for the Sync API. Set FIRESTARTR_API_KEY.")
        return Unauthorized("The Sync API refused fsync's API key. Check FIRESTARTR_API_KEY.")
    if status == 403:
        return Unauthorized(
            "The Sync API does not let fsync's API key do this. Check the key's permissions "
            "(FIRESTARTR_API_KEY).",
            status=403,
            error=code or "forbidden",
        )
    if status >= 500:
        return _server_error(status, body)
    if code == "workspace_not_found":
        name = ctx.workspace or ""
        return workspace_not_found(name, known() if name else None, **kw)
    if code == "run_not_found":
        return RunNotFound(f"The Sync API has no sync run `{shown(ctx.run_id or '?')}`.", **kw)
    if code == "conflict_not_found":
        return ConflictNotFound(
            f"The Sync API has no conflict `{shown(ctx.conflict_id or '?')}`.", **kw
        )
    if code == "sync_in_progress":
        run = f" (run {body.run_id})" if body and body.run_id else ""
        return SyncInProgress(
            f"A sync of `{shown(ctx.workspace or '?')}` is already running{run}.",
            run_id=body.run_id if body else None,
            **kw,
        )
    if code == "sync_disabled":
        return SyncDisabled(
            f"Sync is turned off for `{shown(ctx.workspace or '?')}`, so it cannot be triggered. "
            "Turn it on first.",
            **kw,
        )
    if code == "conflict_already_resolved":
        conflict = body.conflict if body else None
        return ConflictAlreadyResolved(
            conflict_done(ctx.conflict_id or "?", conflict), conflict=conflict, **kw
        )
    if code == "run_not_awaiting_approval":
        return approval_too_late(body.run if body else None, **kw)
    if status == 412 or code == "config_version_mismatch":
        return ConfigVersionMismatch(
            "Someone else changed the sync config at the same time, so nothing was saved. "
            "Try again.",
            **kw,
        )
    if code == "resolution_not_allowed":
        return resolution_not_allowed(ctx.resolution, ctx.conflict_id, body, kw)
    if code == "validation_error":
        return validation_failed(ctx.path, body, kw)
    if status == 429:
        return rate_limited(retry_after(response, body, time.time()))
    return _unknown(response, ctx, body, kw)


def _unknown(
    response: httpx.Response, ctx: Context, body: ErrorBody | None, kw: dict[str, Any]
) -> SyncAPIError:
    status = response.status_code
    if body is not None:
        message = body.message or f"The Sync API refused the request ({body.error})."
        if body.request_id:
            message += f" (request id {body.request_id})"
        return SyncAPIError(message, error=body.error, details=body.details, **kw)
    if status == 404:
        message = f"The Sync API has nothing at {ctx.path} (HTTP 404). Check FIRESTARTR_API_URL."
    elif status == 400:
        message = "The Sync API could not understand fsync's request (HTTP 400)."
    else:
        message = f"The Sync API refused the request (HTTP {status}, {content_kind(response)})."
    return SyncAPIError(message, **kw)
