"""The fleet listing (Sync API endpoint 1), with what the poller's lane adds to it: the ETag of
its last listing (304: unchanged) and the cursor (`changed_since`: only what changed), both
[ASSUMED] and feature-detected (docs/firestartr-sync-api.md). SyncClient is a FleetListing."""

from __future__ import annotations

import logging

import httpx

from bot.errors import SyncAPIError
from bot.firestartr import cursor, reading
from bot.firestartr.models import Workspace
from bot.firestartr.ratelimit import Priority
from bot.firestartr.sending import API, Call, Sending

log = logging.getLogger(__name__)
POLL_RETRIES = 1  # retries of the poller's listing (people's requests get `retries`)


class FleetListing(Sending):
    _last_fleet: reading.ListingCache
    # Whether the last list_workspaces was a 304: the poller then skips its diff.
    last_unchanged: bool
    # What the poller's last listing changed, when it came from changed_since; None: a full
    # listing or a 304 (set by the poller's lane only).
    last_changes: cursor.Changes | None

    def list_workspaces(
        self, *, priority: Priority = Priority.PERSON, full: bool = False
    ) -> list[Workspace]:
        """The fleet. The poller's lane asks with the ETag of its own last listing: a 304 gives
        that listing back (the same models, no body read) and sets `last_unchanged`. When the
        server gave a cursor, it asks `changed_since` that listing, merges the answer into it and
        sets `last_changes` (bot/firestartr/cursor.py); a 410 (cursor too old) is answered by a
        full listing in the same call. `full` asks without tag or cursor. People's listings never
        carry them: "unchanged" must mean unchanged since the poller last looked, not since a
        command did (a /fsync status between two polls once hid a failure from the alerts)."""
        polling = priority is Priority.POLLER
        held = self._last_fleet.held() if polling and not full else None
        if polling:
            self.last_changes = None
        if held is not None and held.cursor is not None:
            try:
                return self._list_since(held)
            except SyncAPIError as exc:
                if exc.status != 410:
                    raise
                log.info("Sync API: the listing cursor expired; listing the whole fleet")
                held = None
        path = f"{API}/workspaces"
        call = Call("GET", path, self._ctx(path), priority=priority, endpoint="GET /workspaces")
        if held is not None and held.etag:
            call.headers["If-None-Match"] = held.etag
        # The poller's next tick is its retry: backing off three times inside a tick would delay
        # that tick and the API-down alert, and send a struggling API four requests instead of two.
        response = self._send(call, retries=POLL_RETRIES if polling else None)
        # Sending takes a 304 as success only when a tag was sent (else it is an unexpected answer).
        if response.status_code == 304 and held is not None:
            self.last_unchanged = True
            return held.listing  # the poller's own: changed in place by its next merge
        return self._read_listing(response, polling)

    def _list_since(self, held: reading.Held) -> list[Workspace]:
        path = f"{API}/workspaces"
        call = Call(
            "GET",
            path,
            self._ctx(path),
            priority=Priority.POLLER,
            params={"changed_since": held.cursor or ""},
            endpoint="GET /workspaces",
        )
        if held.etag:
            call.headers["If-None-Match"] = held.etag
        response = self._send(call, retries=POLL_RETRIES)
        if response.status_code == 304:
            self.last_unchanged = True
            return held.listing
        read = cursor.read_changes(response)
        if read is None:
            return self._read_listing(response, True)
        self.last_unchanged = False
        etag, next_cursor = response.headers.get("etag"), response.headers.get(cursor.HEADER)
        merged, self.last_changes = cursor.merge(held, *read, etag, next_cursor)
        self._last_fleet.hold(merged)
        return merged.listing

    def _read_listing(self, response: httpx.Response, polling: bool) -> list[Workspace]:
        self.last_unchanged = False
        fleet = reading.read_items(response, "workspaces", Workspace, self._last_fleet)
        if polling:
            headers = response.headers
            self._last_fleet.hold(
                reading.Held(fleet, headers.get("etag"), headers.get(cursor.HEADER))
            )
        return fleet
