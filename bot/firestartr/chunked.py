"""A listing's items read a slice of the body at a time, so that its dicts never all exist at once.

Parsing a 50,000-workspace listing whole builds ~39 MB of dicts (the poller's peak memory was
~200 MB against a budget of 150), while reading them into models needs only one item at a time.
So the array is cut between items (at `}`, `,`, `{` with JSON whitespace between) into slices of
about CHUNK bytes, each parsed on its own as `[slice]`. Slices that fit in the CPU's cache also
parse faster than the whole body (50,000: 55 ms against 87 ms).

Only a body of the plain shape is read this way: `{"<key>": [...]}` with the key first and alone,
or a bare list. Anything else is `NotChunked`, and the caller parses the body whole, which gives
every other shape its usual meaning or error. A cut can fall inside a string or inside a nested
value of an item (a message that contains `},{`): the slice before it then ends in an unterminated
string or an unclosed bracket, so it does not parse, and that is `NotChunked` too. Every slice
that parses is therefore items of the array, in order: the body means what parsing it whole means.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic_core import from_json

CHUNK = 65_536  # bytes: 16 KB to 64 KB parse alike (~55 ms at 50,000); 1 MB was ~105 ms
_WS = rb"[ \t\n\r]*"  # JSON's whitespace (\s would also take \f and \v, which JSON does not)
_CUT = re.compile(rb"\}" + _WS + rb"," + _WS + rb"\{")
_BARE = re.compile(_WS + rb"\[")
_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, which json.loads took


class NotChunked(Exception):
    """The body is not of the plain shape, or a slice of it did not parse: parse it whole."""


def _before_ws(content: bytes, end: int) -> int:
    """Where the JSON whitespace that ends at `end` starts (not rstrip: that copies the body)."""
    while end > 0 and content[end - 1] in b" \t\n\r":
        end -= 1
    return end


def _array(content: bytes, key: str) -> tuple[int, int]:
    """Where the items are: from just after the array's `[` to its `]`."""
    begin = len(_BOM) if content.startswith(_BOM) else 0
    head = _BARE.match(content, begin)
    bare = head is not None
    if head is None:
        keyed = re.escape(f'"{key}"'.encode())
        opening = re.compile(_WS + rb"\{" + _WS + keyed + _WS + rb":" + _WS + rb"\[")
        head = opening.match(content, begin)
    if head is None:
        raise NotChunked
    end = _before_ws(content, len(content))
    if not bare:  # `{"key": [...]}`: the object closes right after the array
        if content[end - 1 : end] != b"}":
            raise NotChunked
        end = _before_ws(content, end - 1)
    if end <= head.end() or content[end - 1 : end] != b"]":
        raise NotChunked
    return head.end(), end - 1


def chunks(content: bytes, key: str, size: int = CHUNK) -> Iterator[list[Any]]:
    """The items of `content`'s array, a list of them per slice; raises NotChunked (possibly
    after some slices) when the body must be parsed whole."""
    start, end = _array(content, key)
    while True:
        cut = _CUT.search(content, start + size, end) if start + size < end else None
        stop = cut.start() + 1 if cut is not None else end
        try:
            items = from_json(b"[" + content[start:stop] + b"]", cache_strings="keys")
        except ValueError:
            raise NotChunked from None
        yield items
        if cut is None:
            return
        start = cut.end() - 1  # the next item's `{`
