"""The answer to `GET /workspaces?changed_since=<cursor>` ([ASSUMED], API doc endpoint 1), merged
into the listing the poller holds.

The merge keeps the full listing's order: removed names are dropped first, then a changed
workspace replaces its old self in place and a new one is appended (a name removed and added
again is thus appended, as the server moved it to the end). Its cost follows the changes, except
when names were removed: then the listing is rebuilt once. The held list is changed in place, not
copied: a new list of 50,000 on every poll made every garbage collection during the tick walk it
(a fifth of a 1%-changed tick, bench/poll_tick). Whoever keeps it past the poll copies it when
reading it (bot/core/fleet_cache.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from bot.firestartr import failures, reading
from bot.firestartr.models import Workspace
from bot.firestartr.reading import Held

log = logging.getLogger(__name__)

HEADER = "x-sync-cursor"


@dataclass(frozen=True, slots=True)
class Changes:
    """What a changed_since answer told: the changed or new workspaces, in listing order, and the
    names no longer listed."""

    workspaces: list[Workspace]
    removed: frozenset[str]


def read_changes(response: httpx.Response) -> tuple[list[Workspace], list[str]] | None:
    """(changed, removed) from the answer; None when it has no `removed` list: a server that
    ignored `changed_since` sent its full listing, which is read as one."""
    data = reading.read_json(response)
    if not isinstance(data, dict) or not isinstance(data.get("removed"), list):
        return None
    items = data.get("workspaces")
    if not isinstance(items, list):
        raise failures.unexpected(response)
    changed = []
    for item in items:
        try:
            changed.append(Workspace.model_validate(item))
        except ValidationError:
            # Kept as it was until the next full listing (at most FULL_EVERY, bot/alerts/quiet.py).
            log.warning("Skipped an unreadable workspaces entry from the Sync API")
    removed = [name for name in data["removed"] if isinstance(name, str)]
    return changed, removed


def merge(
    held: Held, changed: list[Workspace], removed: list[str], etag: str | None, cursor: str | None
) -> tuple[Held, Changes]:
    """The held listing with the changes applied, and the changes as the poller diffs them."""
    listing = held.listing
    index = held.index
    if index is None:
        index = {ws.name: i for i, ws in enumerate(listing)}
    if any(name in index for name in removed):
        gone = set(removed)
        listing = [ws for ws in listing if ws.name not in gone]
        index = {ws.name: i for i, ws in enumerate(listing)}
    latest: dict[str, Workspace] = {}
    for ws in changed:
        at = index.get(ws.name)
        if at is None:
            index[ws.name] = len(listing)
            listing.append(ws)
        else:
            listing[at] = ws
        latest[ws.name] = ws
    # `index` is the old Held's, changed in place: that Held is replaced below and not used again.
    in_order = sorted(latest.values(), key=lambda ws: index[ws.name])
    gone_now = frozenset(name for name in removed if name not in index)
    return Held(listing, etag, cursor, index), Changes(in_order, gone_now)
