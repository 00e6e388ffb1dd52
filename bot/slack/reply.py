"""How a listener talks back: to the response_url when Slack gave one, else by DM (Home tab)."""

from __future__ import annotations

import functools
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.core.parser import SUBCOMMANDS
from bot.metrics import Metrics
from bot.slack.ids import Action

log = logging.getLogger(__name__)
# slack_sdk waits 30 s by default; Slack's response_url answers in well under a second, so one that
# has not answered in 5 s is not going to, and must not hold a thread that long.
RESPONSE_URL_TIMEOUT = 5
# A listener returns nothing, or "refused" when it answered a no of its own (a usage error).
Listener = Callable[..., str | None]


def webhook(url: str) -> WebhookClient:
    return WebhookClient(url, timeout=RESPONSE_URL_TIMEOUT)


def response_url_of(body: dict[str, Any]) -> str | None:
    if body.get("response_url"):
        return str(body["response_url"])
    urls = body.get("response_urls") or []
    return str(urls[0]["response_url"]) if urls else None


def accepted(status: int, body: object) -> bool:
    """Whether a response_url took the message; a refusal is logged (never the URL itself).

    Slack answers a message it will not show with HTTP 400 and a plain-text reason such as
    `invalid_blocks`, and the sender raises nothing, so this is the only trace of it."""
    if 200 <= status < 300:
        return True
    log.warning("Slack refused a response_url message: HTTP %s %.100s", status, body)
    return False


def to_response_url(url: str, payload: dict[str, Any]) -> bool:
    answer = webhook(url).send_dict(payload)
    return accepted(answer.status_code, answer.body)


def ephemeral(body: dict[str, Any], client: WebClient, payload: dict[str, Any]) -> None:
    """Show `payload` to the person who acted, and only to them."""
    url = response_url_of(body)
    if url:
        to_response_url(url, {**payload, "response_type": "ephemeral", "replace_original": False})
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
        return to_response_url(url, {**payload, "replace_original": True})
    try:
        client.chat_update(channel=channel, ts=ts, **payload)
    except SlackApiError as exc:
        log.info("could not update %s/%s: %s", channel, ts, exc.response.get("error"))
        return False
    return True


def report_error(error: BaseException, body: dict[str, Any], client: WebClient) -> None:
    """Tell the person what went wrong: known errors plainly, unknown ones as a reference id."""
    from bot.errors import Confirm, FsyncError
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


ACK_GATE = "fsync_ack_gate"
ACK_FIRST_WAIT = 0.5


class AckGate:
    """Acks first: the HTTP layer counts requests whose ack has not left yet, and a listener's
    work after its ack() waits until none is pending (at most ACK_FIRST_WAIT seconds).

    Work started right after ack() competes for the CPU and the GIL with the threads still
    answering Slack, for this request and every other one of the same burst; acks have a hard
    3 s deadline, the work does not (benchmark 1).
    """

    def __init__(self) -> None:
        self._pending = 0
        self._clear = threading.Condition()

    def enter(self) -> None:
        with self._clear:
            self._pending += 1

    def leave(self) -> None:
        with self._clear:
            self._pending -= 1
            if self._pending <= 0:
                self._clear.notify_all()

    def wait_clear(self, timeout: float = ACK_FIRST_WAIT) -> None:
        with self._clear:
            self._clear.wait_for(lambda: self._pending <= 0, timeout)


def after_ack(context: Mapping[str, Any]) -> None:
    """Call right after ack(): lets pending acks leave first (HTTP mode only)."""
    gate = context.get(ACK_GATE)
    if isinstance(gate, AckGate):
        gate.wait_clear()


def guard(metrics: Metrics) -> Callable[[Listener], Callable[..., None]]:
    """`guarded`, counting each command and click by name and outcome in `metrics`."""
    return functools.partial(guarded, metrics=metrics)


def guarded(listener: Listener, *, metrics: Metrics | None = None) -> Callable[..., None]:
    """Run a listener and report its errors ourselves.

    Bolt's own error path races with an early ack(): a listener that acks and then fails within
    ~10 ms can have its ack discarded, so Slack gets a 404 after 3 s. Listeners therefore never
    let an error escape; `@app.error` stays as the last resort for anything outside them.
    A listener that fails before its ack() is acked here first: the report (a post to the
    response_url, up to RESPONSE_URL_TIMEOUT) must not hold Slack's 3 s answer.
    """

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        outcome = "error"
        try:
            outcome = listener(*args, **kwargs) or "ok"
        except Exception as exc:
            outcome = outcome_of(exc)
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", True) is None:
                ack()
            report_error(exc, kwargs.get("body") or {}, kwargs["client"])
        finally:
            if metrics is not None:
                count(metrics, kwargs.get("body") or {}, outcome)

    return wrapper


def outcome_of(error: Exception) -> str:
    """`refused`: fsync (or the Sync API) said no in words; a confirmation asked is no refusal."""
    from bot.errors import ConfirmationRequired, FsyncError

    if isinstance(error, ConfirmationRequired):
        return "ok"
    return "refused" if isinstance(error, FsyncError) else "error"


def count(metrics: Metrics, body: Mapping[str, Any], outcome: str) -> None:
    """Labels from fixed lists only: a subcommand the parser knows, an action id of `Action`."""
    if body.get("command"):
        words = str(body.get("text") or "").split()
        name = words[0].lower() if words else "help"
        metrics.command(name if name in SUBCOMMANDS else "unknown", outcome)
    elif body.get("type") == "block_actions":
        action_id = str(((body.get("actions") or [{}])[0] or {}).get("action_id") or "")
        known = (a for a in sorted(Action, key=len, reverse=True) if action_id.startswith(a))
        metrics.click(next(known, "other"), outcome)
