"""Turn what the Sync API said (or failed to say) into bot.errors, with messages people can act on.

Messages are text with `code` spans around the names and ids they quote (each passed through
`shown`); the Slack layer escapes `&`, `<` and `>` and keeps the spans. They never carry the API
key: nothing here sees a request's headers.
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
    ResolutionNotAllowed,
    RunNotFound,
    ServerError,
    SyncAPIError,
    SyncDisabled,
    SyncInProgress,
    Unauthorized,
    UnexpectedResponse,
    ValidationFailed,
    WorkspaceNotFound,
)
from bot.firestartr.models import ErrorBody
from bot.firestartr.names import shown, suggest
from bot.firestartr.ratelimit import parse_retry_after

KNOWN_NOT_FOUND = frozenset({"workspace_not_found", "run_not_found", "conflict_not_found"})
FEATURE_WORDS = {"runs": "sync run details", "conflicts": "conflicts"}
MAX_KNOWN_SHOWN = 5
MAX_PROBLEMS_SHOWN = 5


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


def workspace_not_found(name: str, known: list[str] | None, **kw: Any) -> WorkspaceNotFound:
    message = f"No workspace named `{shown(name)}`."
    ordered: list[str] = []
    if known is not None and not known:
        message += " The Sync API lists no workspaces."
    elif known:
        near = suggest(name, known, n=MAX_KNOWN_SHOWN)
        ordered = near + [k for k in known if k not in near]
        more = len(ordered) - MAX_KNOWN_SHOWN
        message += " Known: " + ", ".join(ordered[:MAX_KNOWN_SHOWN])
        message += f", and {more} more." if more > 0 else "."
    return WorkspaceNotFound(message, name=name, known=ordered, **kw)


def _problems(details: Any) -> list[str]:
    """Lenient rendering of `details`: a list of strings or of {field|loc|path, message|msg}."""
    if isinstance(details, dict) and isinstance(details.get("problems"), list | dict):
        details = details["problems"]
    if isinstance(details, dict):
        return [f"{key}: {value}" for key, value in details.items()]
    if not isinstance(details, list):
        return []
    out: list[str] = []
    for item in details:
        if isinstance(item, dict):
            where = item.get("field") or item.get("path") or item.get("loc")
            if isinstance(where, list):
                where = ".".join(str(part) for part in where)
            what = item.get("message") or item.get("msg") or item.get("problem") or ""
            out.append(f"{where}: {what}" if where else str(what))
        else:
            out.append(str(item))
    return [p for p in out if p]


def _conflict_done(conflict_id: str, conflict: dict[str, Any] | None) -> str:
    conflict = conflict or {}
    status = conflict.get("status") if conflict.get("status") in ("resolved", "ignored") else None
    message = f"Conflict `{shown(conflict_id)}` is already {status or 'resolved'}"
    how = conflict.get("resolution")
    who = conflict.get("resolved_by")
    if how and who:
        return f"{message}: {how} by {who}."
    if how or who:
        return f"{message} ({how or 'by ' + str(who)})."
    return message + "."


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
            _conflict_done(ctx.conflict_id or "?", conflict), conflict=conflict, **kw
        )
    if status == 412 or code == "config_version_mismatch":
        return ConfigVersionMismatch(
            "Someone else changed the sync config at the same time, so nothing was saved. "
            "Try again.",
            **kw,
        )
    if code == "resolution_not_allowed":
        return _resolution_not_allowed(ctx, body, kw)
    if code == "validation_error":
        problems = _problems(body.details if body else None)
        said = "; ".join(problems[:MAX_PROBLEMS_SHOWN]) or (body.message if body else None)
        what = "the config change" if ctx.path.endswith("/config") else "the request"
        return ValidationFailed(
            f"The Sync API refused {what}: {said or 'invalid values'}.",
            details=body.details if body else None,
            **kw,
        )
    if status == 429:
        return rate_limited(retry_after(response, body, time.time()))
    return _unknown(response, ctx, body, kw)


def _resolution_not_allowed(
    ctx: Context, body: ErrorBody | None, kw: dict[str, Any]
) -> ResolutionNotAllowed:
    details = body.details if body else None
    allowed = details.get("allowed_resolutions") if isinstance(details, dict) else None
    if not allowed and body and body.conflict:
        allowed = body.conflict.get("allowed_resolutions")
    message = (
        f"`{shown(ctx.resolution or '?')}` is not allowed for conflict "
        f"`{shown(ctx.conflict_id or '?')}`."
    )
    problems = _problems(details) if not isinstance(details, dict) else []
    if isinstance(allowed, list) and allowed:
        message += " Allowed: " + ", ".join(str(a) for a in allowed) + "."
    elif problems:
        message = message[:-1] + f" ({'; '.join(problems[:MAX_PROBLEMS_SHOWN])})."
    elif body and body.message:
        message += f" The Sync API said: {body.message}"
    return ResolutionNotAllowed(message, details=details, **kw)


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
