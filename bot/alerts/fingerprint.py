"""Error fingerprints: the message with what differs between occurrences taken out.

Two failures are "the same error" when their fingerprints match: the workspace name, ids, numbers,
timestamps and durations are replaced by placeholders, so a state lock held by another run in
`ws-0001` and in `ws-0002` group together, and a new error text is told apart from a new timestamp.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_DURATION = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)"
    r"\b",
    re.IGNORECASE,
)
# A token of 6+ characters: request ids, run ids, hashes and `ws-0001` are among them, and
# `_is_id` tells them from words with a digit in them (`aws_ec2_instance`, `Route53`).
_TOKEN = re.compile(r"[\w-]{6,}")
_PART = re.compile(r"[-_]")
_DIGIT = re.compile(r"\d")
# A number standing on its own: the digits of EC2, S3 or IPv4 belong to a word and stay.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*(?!\w)")
_SPACE = re.compile(r"\s+")
MAX_LENGTH = 300


@lru_cache(maxsize=4096)
def fingerprint(message: str | None, workspace: str = "") -> str:
    """The message's stable part, readable (digests show it as the group's title).

    Cached: a storm digest is re-rendered whenever one of its hundreds of members changes, and
    each member's fingerprint comes from its first message, which never changes.
    """
    if not message:
        return ""
    text = message
    if workspace and workspace in text:
        text = _without_name(text, workspace)
    text = _TIMESTAMP.sub("<time>", text)
    text = _UUID.sub("<id>", text)
    text = _DURATION.sub("<duration>", text)
    text = _TOKEN.sub(_id, text)
    text = _NUMBER.sub("<n>", text)
    return _SPACE.sub(" ", text).strip()[:MAX_LENGTH]


def _id(match: re.Match[str]) -> str:
    return "<id>" if any(_is_id(part) for part in _PART.split(match.group())) else match.group()


def _is_id(part: str) -> bool:
    """A counter (`0001`, the `3` of `worker-3`), a long mix of letters and digits (hashes, run
    ids, request ids) or one with many digits; not a name like `ec2`, `ipv6` or `Route53`."""
    digits = len(_DIGIT.findall(part))
    return bool(digits) and (part.isdigit() or len(part) >= 8 or digits >= 4)


def _without_name(text: str, name: str) -> str:
    """The name replaced where it is a whole word: `a` must not eat the a's of "many spaces"."""
    parts, start, at = [], 0, text.find(name)
    while at != -1:
        end = at + len(name)
        if (at == 0 or not text[at - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        ):
            parts += [text[start:at], "<workspace>"]
            start = end
        at = text.find(name, end)
    return "".join([*parts, text[start:]])
