"""Posting a message that must appear at most once in a channel or a thread (a sync card).

The interactive WebClient never retries chat.postMessage after a 5xx or a dropped connection
(bot/slack/webclient.py): Slack may have stored the message before failing to answer, and a
blind retry posts a second card, one of which nobody updates. Only a 429 is retried: Slack
did not process it.

So a post ends in one of three ways:
- `posted`: Slack answered with its ts (or the message was found afterwards, see below);
- `refused`: Slack read the request and said no (`not_in_channel`, ...): nothing is in the channel;
- `unknown`: 5xx, timeout, dropped connection. Every post carries a reference in its message
  metadata; fsync looks for it in the channel's recent history (the history scopes the alerts
  already use) and, found, it is `posted`. Not found, or the history cannot be read: `unknown`,
  and the caller must not post another copy in the channel.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
METADATA_TYPE = "fsync_card"
LOOK_BACK = 120.0  # seconds of history searched for a post whose answer was lost


@dataclass(frozen=True)
class Posted:
    state: str  # posted | refused | unknown
    channel: str
    ts: str | None = None
    error: str | None = None


def post_once(client: WebClient, channel: str, payload: dict[str, Any]) -> Posted:
    ref = uuid.uuid4().hex
    started = time.time()
    try:
        answer = client.chat_postMessage(
            channel=channel,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"ref": ref}},
            **payload,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        if exc.response.status_code < 500:
            return Posted("refused", channel, error=error)
        why = f"HTTP {exc.response.status_code}"
        return _look_for(client, channel, ref, started, why, payload.get("thread_ts"))
    except OSError as exc:  # urllib's URLError, timeouts, resets
        why = type(exc).__name__
        return _look_for(client, channel, ref, started, why, payload.get("thread_ts"))
    return Posted("posted", str(answer.get("channel") or channel), str(answer["ts"]))


def _look_for(
    client: WebClient, channel: str, ref: str, started: float, why: str, thread: str | None = None
) -> Posted:
    args = {
        "channel": channel,
        "include_all_metadata": "true",
        "limit": "50",
        "oldest": f"{started - LOOK_BACK:.6f}",
    }
    # A reply is not in the channel's history, only in its thread's.
    method = "conversations.replies" if thread else "conversations.history"
    if thread:
        args["ts"] = thread
    try:
        answer = client.api_call(method, data=args)
    except (SlackApiError, OSError) as exc:
        log.info("post to %s failed (%s) and history is unreadable (%s)", channel, why, exc)
        return Posted("unknown", channel, error=why)
    for message in answer.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (metadata.get("event_payload") or {}).get("ref") == ref:
            log.info("post to %s failed (%s) but it is there: following it", channel, why)
            return Posted("posted", channel, str(message.get("ts")))
    log.info("post to %s failed (%s) and it is not in the history (yet)", channel, why)
    return Posted("unknown", channel, error=why)
