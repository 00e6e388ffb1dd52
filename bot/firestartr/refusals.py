"""The messages for a request the Sync API understood and refused for a reason it named (a 4xx
with an error code): which workspace names come close, which resolutions are allowed, what was
invalid, who resolved a conflict first. bot/firestartr/failures.py picks the error; this words it.
"""

from __future__ import annotations

from typing import Any

from bot.errors import (
    ResolutionNotAllowed,
    RunNotAwaitingApproval,
    ValidationFailed,
    WorkspaceNotFound,
)
from bot.firestartr.models import ErrorBody
from bot.firestartr.names import shown, suggest

MAX_KNOWN_SHOWN = 5
MAX_PROBLEMS_SHOWN = 5


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


def problems(details: Any) -> list[str]:
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


def conflict_done(conflict_id: str, conflict: dict[str, Any] | None) -> str:
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


def validation_failed(path: str, body: ErrorBody | None, kw: dict[str, Any]) -> ValidationFailed:
    found = problems(body.details if body else None)
    said = "; ".join(found[:MAX_PROBLEMS_SHOWN]) or (body.message if body else None)
    what = "the config change" if path.endswith("/config") else "the request"
    return ValidationFailed(
        f"The Sync API refused {what}: {said or 'invalid values'}.",
        details=body.details if body else None,
        **kw,
    )


def resolution_not_allowed(
    resolution: str | None, conflict_id: str | None, body: ErrorBody | None, kw: dict[str, Any]
) -> ResolutionNotAllowed:
    details = body.details if body else None
    allowed = details.get("allowed_resolutions") if isinstance(details, dict) else None
    if not allowed and body and body.conflict:
        allowed = body.conflict.get("allowed_resolutions")
    message = (
        f"`{shown(resolution or '?')}` is not allowed for conflict `{shown(conflict_id or '?')}`."
    )
    found = problems(details) if not isinstance(details, dict) else []
    if isinstance(allowed, list) and allowed:
        message += " Allowed: " + ", ".join(str(a) for a in allowed) + "."
    elif found:
        message = message[:-1] + f" ({'; '.join(found[:MAX_PROBLEMS_SHOWN])})."
    elif body and body.message:
        message += f" The Sync API said: {body.message}"
    return ResolutionNotAllowed(message, details=details, **kw)


# What became of a plan that no longer waits, as the 409's `run.status` says.
_TOO_LATE = {
    "queued": "it was approved and is being applied",
    "running": "it was approved and is being applied",
    "succeeded": "it was approved and applied",
    "failed": "it was approved and its apply failed",
    "discarded": "it was discarded",
    "expired": "it expired",
    "canceled": "it was canceled",
}


def approval_too_late(run: dict[str, Any] | None, **kw: Any) -> RunNotAwaitingApproval:
    status = (run or {}).get("status")
    status = status if isinstance(status, str) else None
    said = _TOO_LATE.get(status or "", f"it is `{shown(status)}`" if status else "")
    message = "This plan is no longer waiting for approval"
    return RunNotAwaitingApproval(
        f"{message} ({said})." if said else f"{message}.", run_status=status, **kw
    )
