"""The sender: delivers the outbox to Slack, paced, retried, and at most once per alert key.

Per channel, rows go out in the order they were queued (a card before its replies), at most one
post per PACE seconds (card edits are not paced: Slack limits those per workspace, not per
channel). Each row is claimed, sent, and marked sent with its ts (see outbox.py). Errors:
- 429 (or `ratelimited`): wait for Retry-After, pause that channel; not counted as an attempt.
- 5xx, timeouts, dropped connections: back off exponentially; the message may have been posted,
  so the row is marked ambiguous.
- `channel_not_found`, `is_archived`, `not_in_channel` (after trying to join once): the channel's
  routes are turned off, its queued alerts are kept as `undeliverable`, and the admins are told in
  the default channel (or by DM when that is the channel gone). Nothing loops.
  The default channel (FSYNC_ALERT_CHANNEL) is never turned off: it may be gone only for a moment
  (renamed, unarchived, the bot re-invited), and it is where everything routes. Its alerts are
  held as `pending`, the admins are told once by DM, and its first alert is tried again every
  RECHECK seconds; when one goes through, the channel is back and what was held follows, in order.
- a message Slack refuses (`invalid_blocks`, ...): that row is kept as `failed`, the rest goes on.

Exactly once (bot/alerts/slackcalls.py): every post carries its key in the message metadata.
Before posting again a row that may already be in Slack (ambiguous, or claimed by a process that
died mid-send), the sender looks for that key in the channel's recent history or the card's
thread, and only posts if it is not there. When Slack cannot be asked (no history scope), that
row is sent again: at-least-once in the window between Slack accepting a message and the
database recording it.
Uploads (a digest's chart) go through files_upload_v2 and are found again by their file's name
(bot/alerts/uploads.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts import slackcalls, uploads
from bot.alerts.lease import Lease
from bot.alerts.model import Delivery, DeliveryOp
from bot.alerts.outbox import Outbox, Row
from bot.alerts.render import Notices
from bot.metrics import Metrics
from bot.store import Store
from bot.worker import Worker

log = logging.getLogger(__name__)
PACE = 1.1  # seconds between two posts in one channel: "about one per second"
CLAIM_SECONDS = slackcalls.SEND_TIMEOUT + 2.0  # a claim outlives any request made under it
MAX_ATTEMPTS = 12
MAX_BACKOFF = 120.0
AUTH_PAUSE = 60.0
GONE = frozenset({"channel_not_found", "is_archived", "channel_is_archived", "not_in_channel"})
AUTH = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
CARD_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
RECHECK = 180.0  # seconds between two tries of a default channel Slack said was gone


class Sender(Worker):
    def __init__(
        self,
        store: Store,
        web: WebClient,
        lease: Lease,
        *,
        default_channel: str | None,
        admins: Sequence[str],
        notices: Notices,
        pace: float = PACE,
        clock: Callable[[], float] = time.time,
        recheck: float = RECHECK,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__("alerts-sender")
        self.outbox, self.web, self.lease = Outbox(store, lease), web, lease
        self.metrics = metrics or Metrics()
        self.default_channel, self.admins = default_channel, list(admins)
        self.notices = notices
        self.pace, self.clock, self.recheck = pace, clock, recheck
        self._ready_at: dict[str, float] = {}  # channel -> earliest next post (pacing, 429)
        self._paused_until = 0.0
        self._joined: set[str] = set()

    # --- the thread (bot/worker.py runs it; `wake()` when rows are queued) ----------------------
    # Stopping is prompt: a send in flight finishes (or times out); what is queued stays queued.
    stop_grace = slackcalls.SEND_TIMEOUT + 1

    def iteration(self) -> float:
        return self.step() if self.lease.held() else 0.5

    # --- one step --------------------------------------------------------------------------------
    def step(self) -> float:
        """Send the next ready row, if any. Returns how long to wait before the next step."""
        now = self.clock()
        if now < self._paused_until:
            return self._paused_until - now
        soonest = 2.0
        for row in self.outbox.heads():
            ready = row.next_at
            if row.op != DeliveryOp.UPDATE:
                ready = max(ready, self._ready_at.get(row.channel, 0.0))
            if row.state == "sending":
                ready = max(ready, row.claimed_until or 0.0)
            if ready > now:
                soonest = min(soonest, ready - now)
                continue
            if self.outbox.claim(row, now, now + CLAIM_SECONDS):
                self._deliver(row)
                return 0.0
        return soonest

    def _deliver(self, row: Row) -> None:
        ts = None
        if row.op in (DeliveryOp.REPLY, DeliveryOp.UPDATE):
            ts = self.outbox.card_ts(row.card)
            if ts is None:
                self.outbox.finish(row, "failed", "its card was never posted")
                self.metrics.alert_failed("card_missing")
                return
        if row.op == DeliveryOp.UPDATE and self.outbox.superseded(row):
            self.outbox.finish(row, "skipped", "a newer update follows")
            return
        if row.maybe_posted:
            if row.op == DeliveryOp.UPLOAD:
                found = uploads.already_uploaded(self.web, row)
            else:
                found = slackcalls.already_posted(self.web, row, ts)
            if found:
                log.info("alert %s was already in Slack (ts %s): not posting again", row.key, found)
                self._sent(row, found)
                return
        try:
            answer = self._call(row, ts)
        except SlackApiError as exc:
            self._slack_error(row, exc)
            return
        except (TimeoutError, OSError) as exc:
            refused = isinstance(getattr(exc, "reason", exc), ConnectionRefusedError)
            self._retry(row, f"{type(exc).__name__}: {exc}", ambiguous=not refused)
            return
        self._sent(row, str(answer.get("ts") or ts or ""))

    def _call(self, row: Row, ts: str | None) -> Any:
        try:
            payload = dict(row.payload)
            if row.op == DeliveryOp.UPDATE:
                if ts is None:  # _deliver finds the card's ts before any update
                    raise ValueError(f"update {row.key} has no card to update")
                return self.web.chat_update(channel=row.channel, ts=ts, **payload)
            if row.op == DeliveryOp.UPLOAD:
                return uploads.upload(self.web, row)
            if row.op == DeliveryOp.REPLY:
                payload["thread_ts"] = ts
            return self.web.chat_postMessage(
                channel=row.channel,
                metadata={
                    "event_type": slackcalls.METADATA_TYPE,
                    "event_payload": {"key": row.key},
                },
                unfurl_links=False,
                unfurl_media=False,
                **payload,
            )
        finally:
            if row.op != DeliveryOp.UPDATE:  # counted from the answer: Slack sees the gap it wants
                self._ready_at[row.channel] = max(
                    self._ready_at.get(row.channel, 0.0), self.clock() + self.pace
                )

    # --- outcomes --------------------------------------------------------------------------------
    def _sent(self, row: Row, ts: str) -> None:
        self._joined.discard(row.channel)
        self.outbox.sent(row, ts)
        self.metrics.alert_sent()
        if row.channel == self.default_channel and self.outbox.enable(row.channel):
            log.warning(
                "the default alert channel %s works again: sending what was held", row.channel
            )

    def _slack_error(self, row: Row, exc: SlackApiError) -> None:
        response = exc.response
        error = str(response.get("error") or "unknown_error")
        status = response.status_code
        if status == 429 or error == "ratelimited":
            wait = slackcalls.retry_after(response.headers)
            self._ready_at[row.channel] = self.clock() + wait
            log.info("Slack rate limit in %s: waiting %.1f s", row.channel, wait)
            self.outbox.release(row, next_at=self.clock() + wait, error=error, count=False)
        elif status >= 500:
            self._retry(row, f"HTTP {status} {error}", ambiguous=True)
        elif error == "not_in_channel" and row.channel not in self._joined:
            self._joined.add(row.channel)
            if slackcalls.join(self.web, row.channel):
                self.outbox.release(row, next_at=0.0, error=error, count=False)
            else:
                self._disable(row, error)
        elif error in GONE:
            self._disable(row, error)
        elif error in AUTH:
            log.error("Slack refuses the bot token (%s); alerts wait %d s", error, AUTH_PAUSE)
            self._paused_until = self.clock() + AUTH_PAUSE
            self.outbox.release(row, next_at=self._paused_until, error=error, count=False)
        elif (error in CARD_GONE and row.op == DeliveryOp.UPDATE) or status == 200:
            # Slack read the request and said no: sending the same again cannot help.
            log.error("Slack refused alert %s in %s: %s", row.key, row.channel, error)
            self.outbox.finish(row, "failed", error)
            self.metrics.alert_failed("refused")
        else:
            self._retry(row, error, ambiguous=False)

    def _retry(self, row: Row, error: str, *, ambiguous: bool) -> None:
        attempt = row.attempts + 1  # the claim counted this one
        if attempt >= MAX_ATTEMPTS:
            log.error("giving up on alert %s after %d attempts: %s", row.key, attempt, error)
            self.outbox.finish(row, "failed", error)
            self.metrics.alert_failed("retries_exhausted")
            return
        delay = min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        log.warning(
            "alert %s to %s failed (%s); retry in %.1f s", row.key, row.channel, error, delay
        )
        next_at = self.clock() + delay
        self.outbox.release(row, next_at=next_at, error=error, ambiguous=ambiguous)

    def _disable(self, row: Row, error: str) -> None:
        channel = row.channel
        if channel == self.default_channel:
            self._hold(row, error)
            return
        log.error("cannot post alerts in %s (%s): its routes are off", channel, error)
        self.outbox.disable(channel, error, self._notices(channel, error))
        self.wake()

    def _hold(self, row: Row, error: str) -> None:
        """The default channel is gone, maybe for a moment: keep its alerts, try again later."""
        channel = row.channel
        self._joined.discard(channel)  # someone may invite fsync back: try joining again then
        next_at = self.clock() + self.recheck
        first = channel not in self.outbox.disabled()
        if first:
            log.error(
                "cannot post alerts in the default channel %s (%s): holding them, "
                "trying again every %.0f s",
                channel,
                error,
                self.recheck,
            )
        notices = self._notices(channel, error, held=True) if first else []
        self.outbox.hold(row, error, next_at=next_at, notices=notices)
        self.wake()

    def _notices(self, channel: str, error: str, *, held: bool = False) -> list[Delivery]:
        if held:
            payload = self.notices.default_channel_held(channel, error, self.admins, self.recheck)
        else:
            payload = self.notices.channel_disabled(channel, error, self.admins)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self.clock()))
        default = self.default_channel
        usable = bool(default) and default != channel and default not in self.outbox.disabled()
        # No default channel to tell them in (or it is the one gone): a DM to each admin.
        targets = [default] if usable and default else list(self.admins)
        return [
            Delivery(
                f"notice:{channel}:{error}:{stamp}:{target}", target, DeliveryOp.POST, None, payload
            )
            for target in targets
        ]
