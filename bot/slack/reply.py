"""How a listener talks back: to the response_url when Slack gave one, else by DM (Home tab)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)


def response_url_of(body: dict[str, Any]) -> str | None:
    if body.get("response_url"):
        return str(body["response_url"])
    urls = body.get("response_urls") or []
    return str(urls[0]["response_url"]) if urls else None


def ephemeral(body: dict[str, Any], client: WebClient, payload: dict[str, Any]) -> None:
    """Show `payload` to the person who acted, and only to them."""
    url = response_url_of(body)
    if url:
        WebhookClient(url).send_dict(
            {**payload, "response_type": "ephemeral", "replace_original": False}
        )
        return
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if not user_id:
        return
    try:
        client.chat_postMessage(channel=user_id, **payload)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user_id, exc.response.get("error"))


def replace(body: dict[str, Any], client: WebClient, payload: dict[str, Any]) -> bool:
    """Replace the message a button was clicked in. False when there is no such message."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts")
    if container.get("is_ephemeral") or not (channel and ts):
        url = response_url_of(body)
        if not url:
            return False
        WebhookClient(url).send_dict({**payload, "replace_original": True})
        return True
    try:
        client.chat_update(channel=channel, ts=ts, **payload)
    except SlackApiError as exc:
        log.info("could not update %s/%s: %s", channel, ts, exc.response.get("error"))
        return False
    return True
