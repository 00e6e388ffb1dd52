"""Workspace patterns (`prod*`, `ws-0[1-3]`), as `fnmatch` reads them, compared with each other.

`overlap(a, b)`: could one workspace name match both? `prod*` and `*-eu` overlap (`prod-eu`),
`prod*` and `dev*` do not. Deciding that from the patterns, not from today's fleet, means a
pattern cannot slip past a rule about `prod*` just because no such workspace exists yet.
"""

from __future__ import annotations

import string
from functools import cache

# The characters a workspace name may contain (bot/firestartr/models.NAME_PATTERN).
ALPHABET = frozenset(string.ascii_letters + string.digits + "._-")
STAR = "*"
Token = str | frozenset[str]  # STAR, or the characters one position may hold


def _class(pattern: str, start: int) -> tuple[frozenset[str], int] | None:
    """The `[...]` set starting at `start` and the index after it; None when it is not closed
    (fnmatch then reads `[` as a plain character)."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] == "!"
    if negate:
        i += 1
    end = pattern.find("]", i + 1 if i < len(pattern) and pattern[i] == "]" else i)
    if end < 0:
        return None
    body, chars, j = pattern[i:end], set(), 0
    while j < len(body):
        if j + 2 < len(body) and body[j + 1] == "-":
            low, high = body[j], body[j + 2]
            chars |= {c for c in ALPHABET if low <= c <= high}
            j += 3
        else:
            chars.add(body[j])
            j += 1
    picked = ALPHABET - chars if negate else ALPHABET & chars
    return frozenset(picked), end + 1


@cache
def tokens(pattern: str) -> tuple[Token, ...]:
    found: list[Token] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if not found or found[-1] != STAR:  # `**` is `*`
                found.append(STAR)
            i += 1
        elif c == "?":
            found.append(ALPHABET)
            i += 1
        elif c == "[" and (parsed := _class(pattern, i)) is not None:
            found.append(parsed[0])
            i = parsed[1]
        else:  # a character no name may hold matches no name
            found.append(frozenset({c}) & ALPHABET)
            i += 1
    return tuple(found)


def overlap(a: str, b: str) -> bool:
    """Whether some name matches both patterns (a search over pairs of positions)."""
    x, y = tokens(a), tokens(b)
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(x) and j == len(y):
            return True
        # A star may match nothing: step over it without reading a character.
        if i < len(x) and x[i] == STAR:
            todo.append((i + 1, j))
        if j < len(y) and y[j] == STAR:
            todo.append((i, j + 1))
        if i == len(x) or j == len(y):
            continue
        left = ALPHABET if x[i] == STAR else x[i]
        right = ALPHABET if y[j] == STAR else y[j]
        if isinstance(left, frozenset) and isinstance(right, frozenset) and left & right:
            # One character read by both; a star stays where it is to read more.
            todo.append((i if x[i] == STAR else i + 1, j if y[j] == STAR else j + 1))
    return False


def matches_anything(pattern: str) -> bool:
    """`*`, `**`: every name there is, now or later."""
    return tokens(pattern) == (STAR,)
