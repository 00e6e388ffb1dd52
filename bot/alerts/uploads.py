"""The sender's file uploads (`DeliveryOp.UPLOAD`): a picture from the outbox shared in a channel
through `WebClient.files_upload_v2`'s three steps (files.getUploadURLExternal, the bytes to the
upload URL, files.completeUploadExternal), and the exactly-once check before trying one again.

A file share carries no message metadata, so the row's key travels in the file's name
(`upload_name`): Slack echoes it as `files[].name` in conversations.history. The row is marked
sent only once completeUploadExternal answered ok; an upload cut off before that (a 5xx, a
timeout, a process that died) is tried again only if no message in the channel since the row
was queued carries a file of that name. A failure before step 3 shared nothing: the next try
starts over with a new upload URL (an URL takes one file).
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.alerts.outbox import Row

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Picture:
    """A picture to share (drawn by bot/slack/digest_chart.py for the digest poster)."""

    png: bytes
    title: str
    alt_txt: str  # what a screen reader says instead


def upload_name(key: str, extension: str = "png") -> str:
    """The file name an upload keyed `key` carries: the key, made safe for a file name
    (`digest-chart:C1:2026-11-30` -> `fsync-digest-chart-C1-2026-11-30.png`)."""
    return f"fsync-{_UNSAFE.sub('-', key).strip('-')}.{extension}"


def payload(key: str, picture: Picture) -> dict[str, Any]:
    """What an UPLOAD row stores: the bytes (base64: the outbox payload is JSON) and their words."""
    return {
        "content": base64.b64encode(picture.png).decode("ascii"),
        "filename": upload_name(key),
        "title": picture.title,
        "alt_txt": picture.alt_txt[:1000],  # getUploadURLExternal refuses a longer one
    }


def upload(web: WebClient, row: Row) -> dict[str, str]:
    """Share the row's file in its channel. Its `ts` is the file's ID (a share answers no message
    ts). SlackApiError from steps 1 and 3 as from any call; a refused step 2 is an OSError
    (urllib's HTTPError), like a dropped connection: tried again."""
    data = row.payload
    try:
        answer = web.files_upload_v2(
            channel=row.channel,
            content=base64.b64decode(data["content"]),
            filename=data["filename"],
            title=data.get("title") or data["filename"],
            alt_txt=data.get("alt_txt"),
        )
    except SlackRequestError as exc:  # step 2 answered something other than 200
        raise OSError(f"the upload was refused: {str(exc)[:200]}") from exc
    files = answer.get("files") or []
    return {"ts": str(files[0].get("id") if files else "")}


def already_uploaded(web: WebClient, row: Row) -> str | None:
    """The ID of a file already shared in the channel under this row's name, or None (also when
    Slack cannot be asked: then the upload is made again, at-least-once)."""
    oldest = datetime.fromisoformat(row.created_at).timestamp() - 60
    args = {"channel": row.channel, "oldest": f"{oldest:.6f}", "limit": "200"}
    try:
        answer = web.api_call("conversations.history", data=args)
    except (SlackApiError, OSError) as exc:
        log.info("cannot check whether upload %s was made (%s): uploading it", row.key, exc)
        return None
    name = row.payload.get("filename")
    for message in answer.get("messages") or []:
        for file in message.get("files") or []:
            if file.get("name") == name:
                return str(file.get("id") or message.get("ts"))
    return None
