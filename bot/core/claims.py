"""Resolution claims: one resolution per conflict, however many people click at once.

fsync claims a conflict in its store before sending the resolution, so a second click (here or
on another fsync) is told who got there first instead of sending a second request. The claim then
follows the API's answer: done, handed to whoever the API says resolved it, or released.
"""

from __future__ import annotations

from typing import Any

from bot.core.audit import AuditTrail
from bot.errors import AlreadyResolved, ConflictAlreadyResolved, NotRecorded, StoreUnavailable
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Conflict, ResolveResult
from bot.store import Store

ALREADY = "That conflict is already resolved."


def already_resolved(conflict_id: str, by: Any, resolution: Any) -> AlreadyResolved:
    return AlreadyResolved(ALREADY, conflict_id=conflict_id, by=by, resolution=resolution)


def check_open(store: Store, conflict: Conflict) -> None:
    """AlreadyResolved when fsync has a claim on `conflict` or the API says it is closed."""
    claim = store.resolution(conflict.id)
    if claim is not None:
        raise already_resolved(conflict.id, claim["user_id"], claim["resolution"])
    if not conflict.is_open:
        raise already_resolved(conflict.id, conflict.resolved_by, conflict.resolution)


def claim(store: Store, conflict_id: str, *, workspace: str, resolution: str, user: str) -> None:
    """Claim the conflict for `user`'s resolution; AlreadyResolved when someone has, NotRecorded
    when the claim cannot be written (then nothing is sent)."""
    try:
        existing = store.claim_resolution(
            conflict_id, workspace=workspace, resolution=resolution, user_id=user
        )
    except StoreUnavailable as exc:
        raise NotRecorded(exc.reason) from exc
    if existing is not None:
        raise already_resolved(conflict_id, existing["user_id"], existing["resolution"])


def send_claimed(
    client: SyncClient,
    store: Store,
    trail: AuditTrail,
    user: str,
    conflict_id: str,
    resolution: str,
) -> ResolveResult:
    """Send a claimed resolution; the claim follows the answer (now, or when it can)."""
    what = f"resolution claim {conflict_id}"
    try:
        # One key per conflict: a retried or doubled request is a replay, not a second act.
        result = client.resolve_conflict(
            conflict_id, resolution, resolved_by=user, idempotency_key=f"resolve-{conflict_id}"
        )
    except ConflictAlreadyResolved as exc:
        other = exc.conflict or {}
        trail.later(
            what,
            lambda: store.finish_resolution(
                conflict_id,
                user_id=str(other.get("resolved_by")),
                resolution=str(other.get("resolution")),
            ),
        )
        raise already_resolved(
            conflict_id, other.get("resolved_by"), other.get("resolution")
        ) from exc
    except BaseException:
        trail.later(what, lambda: store.release_resolution(conflict_id))
        raise
    trail.later(what, lambda: store.finish_resolution(conflict_id))
    return result
