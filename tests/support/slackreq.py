"""Signed Slack requests in Slack's real payload shapes (tests/fixtures/slack/payloads)."""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "payloads"
SIGNING_SECRET = "test-signing-secret-0123456789"


def sample(name: str) -> Any:
    path = PAYLOADS / name
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Slack's signature headers for `body`, made by slack_sdk (the code Bolt checks them with),
    so a test cannot agree with a hand-written signer that has drifted from Slack's rule."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


def command_body(text: str, *, user: str, channel: str, response_url: str) -> str:
    fields = sample("slash_command.parsed.json")
    fields.update(
        {
            "command": "/fsync",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "response_url": response_url,
            "user_name": user.lower(),
        }
    )
    return urlencode(fields)


def button_click(action_id: str, value: str) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`: a button pressed now."""
    return {
        "action_id": action_id,
        "block_id": "b",
        "value": value,
        "type": "button",
        "action_ts": str(time.time()),
        "text": {"type": "plain_text", "text": "x"},
    }


def action_payload(
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    response_url: str,
    message: dict[str, Any] | None = None,
    ephemeral: bool = False,
) -> dict[str, Any]:
    payload = copy.deepcopy(sample("block_actions.message.json"))
    payload["user"]["id"] = user
    payload["channel"]["id"] = channel
    payload["response_url"] = response_url
    payload["container"] = {
        "type": "message",
        "message_ts": (message or {}).get("ts", "1.1"),
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    if message is not None:
        payload["message"] = copy.deepcopy(message)
    else:
        payload.pop("message", None)
    payload["actions"] = [button_click(action_id, value)]
    return payload


def home_action_payload(action_id: str, value: str, *, user: str) -> dict[str, Any]:
    payload = copy.deepcopy(sample("block_actions.home_tab.json"))
    payload["user"]["id"] = user
    payload["actions"] = [button_click(action_id, value)]
    return payload


def view_submission(
    callback_id: str, values: dict[str, Any], private_metadata: str, *, user: str
) -> dict[str, Any]:
    payload = copy.deepcopy(sample("view_submission.json"))
    payload["user"]["id"] = user
    payload["view"].update(
        {
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        }
    )
    payload.pop("response_urls", None)
    payload["view"].pop("response_urls", None)
    return payload


def home_opened(user: str) -> dict[str, Any]:
    envelope = sample("app_home_opened.event_callback.bolt_python_test.json")
    envelope["event"] = {**sample("app_home_opened.inner_event.json"), "user": user}
    # Slack gives every event its own id (a retry keeps it): fsync acts on each id once.
    envelope["event_id"] = f"Ev{uuid.uuid4().hex[:10].upper()}"
    return envelope


def interactive_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
