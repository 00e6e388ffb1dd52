"""fsync's one error tree. Every error carries `user_message`: text a Slack user can act on.

FsyncError                       base; `user_message` is safe to show (text with `code` spans)
├── UsageError                   a command or value the user typed is wrong (says what to type)
│   ├── InvalidChanges           config changes that are not fsync's (unknown keys, wrong types)
│   └── StaleAction              a button value fsync cannot read (an old message, or edited)
├── PermissionDenied             the user's role does not allow it (says which role, who has it)
├── ConfirmationRequired         a protected action needs the confirmation dialog first
│   └── Confirm                  what to ask, and the action and params to call again with
├── AlreadyResolved              a conflict someone (`by`) already resolved (`resolution`)
├── StoreUnavailable             fsync's own database failed: locked past its busy timeout, disk
│   │                            full, any sqlite error (`reason`: "the database is busy" ...)
│   └── NotRecorded              a write whose audit row could not be written: nothing was sent
└── SyncAPIError                 anything the Sync API said or failed to say (`status`, `error`)
    ├── InvalidWorkspaceName     refused before any request (bad characters, length, traversal)
    ├── InvalidIdentifier        a run or conflict id refused before any request
    ├── Unauthorized             401: wrong or missing API key
    ├── NotFound                 404 with a known error code
    │   ├── WorkspaceNotFound    `workspace_not_found` (carries near names when known)
    │   ├── RunNotFound          `run_not_found`
    │   └── ConflictNotFound     `conflict_not_found`
    ├── FeatureUnavailable       404/405 from an [ASSUMED] endpoint: the server lacks the feature
    ├── SyncInProgress           409 `sync_in_progress` (`run_id`)
    ├── SyncDisabled             409 `sync_disabled`
    ├── ConflictAlreadyResolved  409 `conflict_already_resolved` (`conflict`)
    ├── RunNotAwaitingApproval   409 `run_not_awaiting_approval`: too late to approve or discard
    ├── ConfigVersionMismatch    412 `config_version_mismatch` (someone else changed it)
    ├── ValidationFailed         422 `validation_error` (`details`)
    ├── ResolutionNotAllowed     422 `resolution_not_allowed`
    ├── RateLimited              429 (`retry_after` seconds)
    ├── ServerError              5xx
    ├── UnexpectedResponse       a body that is not what the contract says (HTML, garbage)
    └── APIUnreachable           connection refused, DNS, timeouts
"""

from __future__ import annotations

from typing import Any


class FsyncError(Exception):
    """Base of every error fsync raises on purpose."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class UsageError(FsyncError):
    pass


class InvalidChanges(UsageError):
    pass


class StaleAction(UsageError):
    pass


class PermissionDenied(FsyncError):
    def __init__(self, user_message: str, *, holders: list[str] | None = None) -> None:
        super().__init__(user_message)
        # User IDs the Slack layer renders as mentions (after escaping the message itself).
        self.holders = holders or []


class ConfirmationRequired(FsyncError):
    pass


class Confirm(ConfirmationRequired):
    """A protected action: the Slack layer shows a confirmation dialog, then calls again."""

    def __init__(
        self, user_message: str, *, action: str, params: dict[str, Any], yes: str | None = None
    ) -> None:
        super().__init__(user_message)
        self.action = action
        self.params = params
        self.yes = yes  # the confirm button's label, when the action's usual one does not fit


class AlreadyResolved(FsyncError):
    def __init__(
        self, user_message: str, *, conflict_id: str, by: str | None, resolution: str | None
    ) -> None:
        super().__init__(user_message)
        self.conflict_id, self.by, self.resolution = conflict_id, by, resolution


class StoreUnavailable(FsyncError):
    def __init__(self, user_message: str, *, reason: str) -> None:
        super().__init__(user_message)
        self.reason = reason


class NotRecorded(StoreUnavailable):
    """The audit row a write needs first could not be written, so the write was not sent."""

    def __init__(self, reason: str) -> None:
        later = "Try again in a moment." if "busy" in reason else "Try again later."
        super().__init__(
            f"fsync could not record this in its audit log ({reason}), so nothing was sent. "
            + later,
            reason=reason,
        )


class SyncAPIError(FsyncError):
    status: int | None = None
    error: str = "sync_api_error"

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        request_id: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(user_message)
        if status is not None:
            self.status = status
        if error is not None:
            self.error = error
        self.request_id = request_id
        self.details = details


class InvalidWorkspaceName(SyncAPIError):
    error = "invalid_workspace_name"


class InvalidIdentifier(SyncAPIError):
    error = "invalid_identifier"


class Unauthorized(SyncAPIError):
    status = 401
    error = "unauthorized"


class NotFound(SyncAPIError):
    status = 404


class WorkspaceNotFound(NotFound):
    error = "workspace_not_found"

    def __init__(
        self, user_message: str, *, name: str = "", known: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(user_message, **kwargs)
        self.name = name
        self.known = known or []


class RunNotFound(NotFound):
    error = "run_not_found"


class ConflictNotFound(NotFound):
    error = "conflict_not_found"


class FeatureUnavailable(SyncAPIError):
    error = "feature_unavailable"

    def __init__(self, user_message: str, *, feature: str = "", **kwargs: Any) -> None:
        super().__init__(user_message, **kwargs)
        self.feature = feature


class SyncInProgress(SyncAPIError):
    status = 409
    error = "sync_in_progress"

    def __init__(self, user_message: str, *, run_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(user_message, **kwargs)
        self.run_id = run_id


class SyncDisabled(SyncAPIError):
    status = 409
    error = "sync_disabled"


class ConflictAlreadyResolved(SyncAPIError):
    status = 409
    error = "conflict_already_resolved"

    def __init__(
        self, user_message: str, *, conflict: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(user_message, **kwargs)
        self.conflict = conflict


class RunNotAwaitingApproval(SyncAPIError):
    """A plan that no longer waits: decided, applied or expired (`run_status` says which)."""

    status = 409
    error = "run_not_awaiting_approval"

    def __init__(self, user_message: str, *, run_status: str | None = None, **kwargs: Any) -> None:
        super().__init__(user_message, **kwargs)
        self.run_status = run_status


class ConfigVersionMismatch(SyncAPIError):
    status = 412
    error = "config_version_mismatch"


class ValidationFailed(SyncAPIError):
    status = 422
    error = "validation_error"


class ResolutionNotAllowed(SyncAPIError):
    status = 422
    error = "resolution_not_allowed"


class RateLimited(SyncAPIError):
    status = 429
    error = "rate_limited"

    def __init__(
        self, user_message: str, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(user_message, **kwargs)
        self.retry_after = retry_after


class ServerError(SyncAPIError):
    error = "server_error"


class UnexpectedResponse(SyncAPIError):
    error = "unexpected_response"


class APIUnreachable(SyncAPIError):
    error = "api_unreachable"
