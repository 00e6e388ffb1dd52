"""The HTTP edge: what a request to `POST /slack/events` must be before anything in it is used.

bot/http.py applies these in order, and each failure is a `Refused` with the status to answer:

    size       413  Content-Length over MAX_BODY, or a (chunked) stream that grows past it
    signature  401  timestamp or signature header missing or malformed, timestamp more than
                    WINDOW seconds away, or an HMAC that does not match
    body       400  signed, but not UTF-8, or not the JSON object / form Slack sends

The signature is checked over the raw bytes before the body is parsed at all: nothing in an
unverified body (its response_url, its user, its token) is ever read. `Refused.reason` is a fixed
phrase, safe to log: it never echoes the request.

Pure functions over headers and bytes (the stream reader takes any async iterable), so they are
tested as data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterable
from typing import Any
from urllib.parse import parse_qsl

# Slack's payloads are a few KiB; the biggest (a modal's view_submission with its whole view) stay
# far below 1 MiB.
MAX_BODY = 1 << 20
# Slack's rule: a timestamp more than five minutes from our clock is a replay.
WINDOW = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """The request is answered `status` and goes no further."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def check_length(content_length: str | None, limit: int = MAX_BODY) -> None:
    """Refuse an announced size over `limit` before reading a byte of the body."""
    if content_length is None:
        return  # chunked: read_capped stops it
    if not content_length.isascii() or not content_length.isdigit():
        raise Refused(400, "bad Content-Length")
    if int(content_length) > limit:
        raise Refused(413, "body over the size limit")


async def read_capped(chunks: AsyncIterable[bytes], limit: int = MAX_BODY) -> bytes:
    """The whole body, or Refused(413) as soon as more than `limit` bytes have arrived."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body over the size limit")
        parts.append(chunk)
    return b"".join(parts)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> int:
    """Slack's v0 request signature; returns the request's timestamp (an int) when it holds."""
    if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
    if not signature or not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "missing or malformed X-Slack-Signature")
    moment = int(timestamp)
    if abs(now - moment) > WINDOW:
        raise Refused(401, "timestamp outside the 5-minute window")
    if not secret or not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Refused(401, "signature does not match")
    return moment


def parse(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will read it (same rules as slack_bolt's parse_body), or Refused(400).

    Bolt decides by Content-Type or a leading `{` (JSON), else a form whose `payload` field, when
    there is one, holds JSON. Every JSON part must be an object, as all of Slack's are.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if not text:
        raise Refused(400, "empty body")
    mime = (content_type or "").split(";")[0]
    if mime == "application/json" or text.startswith("{"):
        return _object(text, "body is not a JSON object")
    if "payload" in text:  # Bolt's own test: a form whose payload field is JSON
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in fields:
            return _object(fields["payload"], "payload is not a JSON object")
        return {}
    return dict(parse_qsl(text, keep_blank_values=True))


# What Bolt's matchers and fsync's listeners index without asking, in the JSON payloads Slack
# sends (events, interactions): a signed body that breaks these is refused here, not 500 later.
OBJECTS = ("user", "container", "channel", "view", "team", "message", "event", "enterprise")
LISTS_OF_OBJECTS = ("actions", "authorizations")
NEEDS = {"event_callback": "event", "block_actions": "actions", "interactive_message": "actions"}


def _object(text: str, reason: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused(400, reason) from None
    if not isinstance(value, dict):
        raise Refused(400, reason)
    _check_shape(value)
    return value


def _check_shape(value: dict[str, Any]) -> None:
    for name in OBJECTS:
        if value.get(name) is not None and not isinstance(value[name], dict):
            raise Refused(400, f"{name} is not an object")
    for name in LISTS_OF_OBJECTS:
        items = value.get(name)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(item, dict) for item in items)
        ):
            raise Refused(400, f"{name} is not a list of objects")
    needed = NEEDS.get(str(value.get("type")))
    if needed and not value.get(needed):
        raise Refused(400, f"{value['type']} without {needed}")
    for action in value.get("actions") or []:
        if not all(isinstance(action.get(key, ""), str) for key in ("action_id", "block_id")):
            raise Refused(400, "an action id is not a string")


def replay_key(signature: str) -> str:
    """What the seen store keeps of a signature: a digest (the signature itself is never stored)."""
    return "sig:" + hashlib.sha256(signature.encode()).hexdigest()[:32]
