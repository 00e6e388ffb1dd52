"""The fake Slack's file uploads (bot/devslack.py): the three steps `WebClient.files_upload_v2`
takes, held to the rules Slack documents for them.

1. `files.getUploadURLExternal(filename, length)` answers a `file_id` and an `upload_url` that
   points at the fake itself (`<fake>/upload/v1/<file_id>`, as Slack's is
   `https://files.slack.com/upload/v1/...`);
2. a POST of the bytes to that URL (raw, or multipart form encoded) is kept if its length is the
   one announced in step 1;
3. `files.completeUploadExternal(files=[{id, title}], channel_id, initial_comment, thread_ts)`
   shares the files: the fake then posts a file share message in the channel (bot/devslack.py).

Sources: https://docs.slack.dev/reference/methods/files.getUploadURLExternal and
https://docs.slack.dev/reference/methods/files.completeUploadExternal (quoted where applied).
Where the pages name no error the fake answers one of their listed errors and says so.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import mimetypes
import re
import threading
from dataclasses import dataclass
from typing import Any

from bot.slack import blockkit

Answer = tuple[int, Any, dict[str, str]]
UPLOAD_PATH = "/upload/v1/"
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]+$")
# getUploadURLExternal: `alt_txt_too_large`, "longer than the limit of 1000 character";
# `snippet_too_large`, snippets "are limited to 1MB".
ALT_TXT_LIMIT = 1000
SNIPPET_LIMIT = 1024 * 1024
# completeUploadExternal: `channels_limit_exceeded`, "A maximum of 100 channels is allowed".
CHANNELS_LIMIT = 100


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None
    completed: bool = False
    # Where completeUploadExternal shared it; empty: "If the channel_id is not specified, the
    # file will remain private."
    channels: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """The file object Slack answers with (and puts in the share message's `files`)."""
        mimetype = mimetypes.guess_type(self.filename)[0] or "application/octet-stream"
        return {
            "id": self.file_id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": self.length,
            "mimetype": mimetype,
            "filetype": self.filename.rpartition(".")[2].lower() if "." in self.filename else "",
            "channels": list(self.channels),
        }


def _error(error: str, detail: str = "") -> Answer:
    body: dict[str, Any] = {"ok": False, "error": error}
    if detail:
        body["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
    return 200, body, {}


class Files:
    """The uploads the fake was asked for, by file ID."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._uploads: dict[str, Upload] = {}

    def reset(self) -> None:
        with self._lock:
            self._uploads.clear()

    def get(self, file_id: str) -> Upload | None:
        with self._lock:
            return self._uploads.get(file_id)

    def shared_in(self, channel: str) -> list[Upload]:
        with self._lock:
            return [u for u in self._uploads.values() if channel in u.channels]

    # --- step 1 ----------------------------------------------------------------------------
    def ask(self, args: dict[str, Any], base_url: str) -> Answer:
        """`files.getUploadURLExternal`: `filename` and `length` are required arguments."""
        filename = str(args.get("filename") or "").strip()
        raw_length = str(args.get("length", "")).strip()
        if not filename or not re.fullmatch(r"-?\d+", raw_length):
            return _error("invalid_arguments", "`filename` and an integer `length` are required")
        length = int(raw_length)
        if length == 0:
            # `missing_argument`: "Typically only occurs when the `length` provided is 0."
            return _error("missing_argument", "`length` is 0")
        if length < 0:
            return _error("invalid_arguments", "`length` must be a size in bytes")
        alt_txt = args.get("alt_txt")
        if alt_txt is not None and len(str(alt_txt)) > ALT_TXT_LIMIT:
            return _error("alt_txt_too_large")
        if args.get("snippet_type") and length > SNIPPET_LIMIT:
            return _error("snippet_too_large")
        with self._lock:
            file_id = f"F{next(self._ids):08d}"
            self._uploads[file_id] = Upload(file_id, filename, length, alt_txt)
        url = f"{base_url}{UPLOAD_PATH}{file_id}"
        return 200, {"ok": True, "upload_url": url, "file_id": file_id}, {}

    # --- step 2 ----------------------------------------------------------------------------
    def receive(self, path: str, body: bytes, content_type: str) -> Answer:
        """The POST to an upload URL. "Files can be sent as raw bytes or can be multipart form
        encoded. Slack will return HTTP 200 if the upload is successful; a non-200 response
        indicates a failure." The page documents no body for a failure: the fake's is a line."""
        file_id = path[len(UPLOAD_PATH) :].split("?")[0].strip("/")
        data = _file_bytes(body, content_type)
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None:
                return 404, b"no upload was asked for with this URL", {}
            if upload.data is not None or upload.completed:
                # The fake's choice, stricter than anything documented: an upload URL takes one
                # file, so a sender that uploads twice (a retry that did not start over) is seen.
                return 409, b"this URL already received its file", {}
            if data is None or len(data) != upload.length:
                # getUploadURLExternal's `length` is the "Size in bytes of the file being
                # uploaded": other bytes than announced are not that file.
                got = "no file" if data is None else f"{len(data)} bytes"
                return 400, f"{got} sent, {upload.length} announced".encode(), {}
            upload.data = data
        return 200, f"OK - {len(data)}".encode(), {}

    # --- step 3 ----------------------------------------------------------------------------
    def complete(self, args: dict[str, Any]) -> tuple[Answer, list[Upload], list[str]]:
        """`files.completeUploadExternal`: (answer, the uploads shared, the channels they were
        shared in). "This method can only be called once.\""""
        wanted = _files_argument(args.get("files"))
        if wanted is None:
            refused = _error("invalid_arguments", "`files` must be an array of {id, title}")
            return refused, [], []
        channels = _channels(args)
        if isinstance(channels, str):
            return _error(channels), [], []
        if args.get("thread_ts") and len(channels) != 1:
            # "make sure to provide only one channel when using 'thread_ts'" (no error named).
            return _error("invalid_arguments", "`thread_ts` needs exactly one channel"), [], []
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return _error("invalid_blocks", "`blocks` is not JSON"), [], []
        # "If the `initial_comment` field is provided, the `blocks` field is ignored."
        if blocks is not None and not args.get("initial_comment"):
            problems = blockkit.blocks_problems(blocks, "message", "/blocks")
            if problems:
                return _error("invalid_blocks", "; ".join(map(str, problems))), [], []
        with self._lock:
            uploads = [self._uploads.get(item["id"]) for item in wanted]
            for upload in uploads:
                # `file_not_found`: "Could not find the file from the upload ticket." Also the
                # fake's answer to a second completion (the ticket is spent: "This method can
                # only be called once") and to one before the bytes arrived: Slack would wait for
                # them, the fake has nothing to wait for.
                if upload is None or upload.completed or upload.data is None:
                    return _error("file_not_found"), [], []
            done = []
            for item, upload in zip(wanted, uploads, strict=True):
                assert upload is not None
                upload.completed = True
                upload.title = item.get("title") or upload.filename
                upload.channels = tuple(channels)
                done.append(upload)
        answer = {"ok": True, "files": [u.describe() for u in done]}
        return (200, answer, {}), done, channels


def _files_argument(value: Any) -> list[dict[str, Any]] | None:
    """`files`: "Array of file ids and their corresponding (optional) titles" (JSON text in a
    form, an array in a JSON body)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in value):
        return None
    return value


def _channels(args: dict[str, Any]) -> list[str] | str:
    """The channels to share in (none: a private file), or the error Slack answers."""
    named = [str(args["channel_id"])] if args.get("channel_id") else []
    listed = args.get("channels")
    if isinstance(listed, str):
        named += [c.strip() for c in listed.split(",") if c.strip()]
    elif isinstance(listed, list):
        named += [str(c) for c in listed]
    if len(named) > CHANNELS_LIMIT:
        return "channels_limit_exceeded"
    for channel in named:
        if not _CHANNEL_ID.match(channel):
            # `channel_not_found`: "Value passed for `channel_id` was invalid."
            return "channel_not_found"
    return list(dict.fromkeys(named))


def _file_bytes(body: bytes, content_type: str) -> bytes | None:
    """The file in an upload: the body itself, or the form's file part ("Include the filename
    (e.g., `-F filename="@text.txt"`)")."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in form.iter_parts():
        if part.get_param("name", header="content-disposition") == "filename" or (
            part.get_filename() is not None
        ):
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
