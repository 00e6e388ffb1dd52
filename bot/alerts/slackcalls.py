"""The sender's calls to Slack beside the post itself: its client (no retries of its own), the
key every post carries in its metadata, the exactly-once check that looks for that key before
posting again, joining a channel, and reading a 429's Retry-After. See bot/alerts/sender.py.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.model import DeliveryOp
from bot.alerts.outbox import Row

log = logging.getLogger(__name__)
SEND_TIMEOUT = 4.0
METADATA_TYPE = "fsync_alert"


def sender_client(token: str | None, base_url: str) -> WebClient:
    """The sender's own Slack client. It does not retry by itself: the sender has its own policy
    (pacing, Retry-After, the exactly-once check), and a blind retry after an ambiguous 5xx or a
    dropped connection would post twice."""
    return WebClient(token=token, base_url=base_url, timeout=int(SEND_TIMEOUT), retry_handlers=[])


def metadata(key: str) -> dict[str, Any]:
    """The message metadata every alert post carries: its key, found again by already_posted."""
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def join(web: WebClient, channel: str) -> bool:
    """True when fsync is now in `channel` (a public one it was not invited to)."""
    try:
        web.conversations_join(channel=channel)
    except SlackApiError as exc:
        log.info("cannot join %s: %s", channel, exc.response.get("error"))
        return False
    return True


def already_posted(web: WebClient, row: Row, thread_ts: str | None) -> str | None:
    """The ts of a message already carrying this row's key, or None (also when unknown)."""
    args = {"channel": row.channel, "include_all_metadata": "true", "limit": "200"}
    if row.op == DeliveryOp.REPLY:
        method, args["ts"] = "conversations.replies", str(thread_ts)
    else:
        oldest = datetime.fromisoformat(row.created_at).timestamp() - 60
        method, args["oldest"] = "conversations.history", f"{oldest:.6f}"
    try:
        # A form POST: what every Slack method accepts.
        answer = web.api_call(method, data=args)
    except (SlackApiError, OSError) as exc:
        log.info("cannot check whether alert %s was posted (%s): sending it", row.key, exc)
        return None
    for message in answer.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == row.key:
            return str(message.get("ts"))
    return None


def retry_after(headers: Any) -> float:
    """Seconds a 429 asked to wait, kept within [0.5, 300]; 1 when it did not say."""
    for name in ("Retry-After", "retry-after"):
        value = (headers or {}).get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            try:
                return max(0.5, min(float(value), 300.0))
            except ValueError:
                pass
    return 1.0
