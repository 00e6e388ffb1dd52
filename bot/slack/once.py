"""Once per request: what fsync has acted on in the last 5 minutes is acknowledged and ignored.

Three things can arrive twice:
- the very same signed HTTP request, replayed by anyone who saw it: keyed on its signature, at
  the HTTP edge (bot/http.py), before Bolt sees it;
- an Events API event that Slack retries (`X-Slack-Retry-Num`, new signature, same `event_id`);
- a button click, redelivered or replayed (in Socket Mode there is no signature at all).
The last two are caught by `middleware`, a Bolt global middleware, so HTTP, Socket Mode and
`App.dispatch` in tests all go through it.

The record lives in SQLite (table `seen_requests`, migration m003 in bot/migrations.py), so a
restart does not reopen the window; rows are dropped once past their `until`, so it stays bounded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.engine import database_errors
from bot.store import Store

log = logging.getLogger(__name__)
WINDOW = 300.0
# The check runs before the ack: it may wait this long for a lock held by another writer.
ACK_PATH_WAIT = 1.0
PRUNE_EVERY = 60.0  # seconds between two deletions of expired keys (each request inserts)


class SeenRequests:
    """The durable "have we acted on this already?" record."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock
        self._pruned = float("-inf")

    def first(self, key: str, *, until: float | None = None) -> bool:
        """True the first time `key` is offered until `until` (default: WINDOW from now).

        When the database cannot record it (locked past ACK_PATH_WAIT, disk full), the request
        counts as new: refusing it would lose a person's only click, and a write it leads to is
        refused anyway while its audit row cannot be written (bot/core/audit.py).
        """
        now = self.clock()
        try:
            # One atomic statement, outside the writers' queue (on PostgreSQL the writer lock is
            # every replica's, and a long poll tick would hold the ack behind it): a new key, or
            # one whose window has passed, is taken; a key still in its window is not.
            with self.store.impatient(ACK_PATH_WAIT) as db:
                cursor = db.execute(
                    "INSERT INTO seen_requests (key, until) VALUES (?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET until = excluded.until WHERE seen_requests.until < ?",
                    [key, now + WINDOW if until is None else until, now],
                )
                first = cursor.rowcount == 1
        except database_errors() as exc:
            log.warning("could not record a request as seen (%s); acting on it", exc)
            return True
        if now - self._pruned >= PRUNE_EVERY:  # not a second write on every ack
            self._pruned = now
            try:  # when nobody else is at it; the upsert above takes an expired key meanwhile
                with self.store.impatient(0.05) as db:
                    db.execute("DELETE FROM seen_requests WHERE until < ?", [now])
            except database_errors():
                pass
        return first


def identity(body: dict[str, Any]) -> str | None:
    """What makes this event or click the same one when it arrives again; None: not deduped.

    Slash commands are not here: Slack never resends one, and the HTTP edge catches replays.
    """
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if kind != "block_actions":
        return None
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    user, container = body.get("user"), body.get("container")
    parts = [
        user.get("id") if isinstance(user, dict) else None,
        action.get("action_id") if isinstance(action, dict) else None,
        action.get("action_ts") if isinstance(action, dict) else None,
    ]
    if not parts[2]:
        return None  # no timestamp for the click: nothing tells two clicks apart
    if isinstance(container, dict):
        parts.append(container.get("message_ts") or container.get("view_id"))
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"click:{digest}"


def middleware(seen: SeenRequests) -> Callable[..., BoltResponse | None]:
    """A Bolt global middleware: a repeat is acknowledged (200, empty) and goes no further."""

    # Bolt passes the continuation by this name.
    def once(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        key = identity(body)
        if key is None or seen.first(key):
            return next()
        log.info("ignored a repeated %s (already acted on)", key.split(":", 1)[0])
        return BoltResponse(status=200, body="")

    return once
