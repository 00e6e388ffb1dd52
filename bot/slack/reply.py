"""How a listener talks back: to the response_url when Slack gave one, else by DM (Home tab)."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
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


def report_error(error: BaseException, body: dict[str, Any], client: WebClient) -> None:
    """Tell the person what went wrong: known errors plainly, unknown ones as a reference id."""
    from bot.core.service import Confirm
    from bot.errors import FsyncError
    from bot.slack import views

    ref = secrets.token_hex(3)
    try:
        if isinstance(error, Confirm):
            payload = views.confirm_prompt(error)
        elif isinstance(error, FsyncError):
            payload = views.error_message(error)
        else:
            log.error("unhandled error (ref %s)", ref, exc_info=error)
            payload = views.unknown_error(ref)
    except Exception:
        log.exception("could not render an error (ref %s)", ref)
        payload = views.unknown_error(ref)
    try:
        ephemeral(body or {}, client, payload)
    except Exception:
        log.exception("could not tell the user about an error (ref %s)", ref)


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Run a listener and report its errors ourselves.

    Bolt's own error path races with an early ack(): a listener that acks and then fails within
    ~10 ms can have its ack discarded, so Slack gets a 404 after 3 s. Listeners therefore never
    let an error escape; `@app.error` stays as the last resort for anything outside them.
    """

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            listener(*args, **kwargs)
        except Exception as exc:
            report_error(exc, kwargs.get("body") or {}, kwargs["client"])

    return wrapper
