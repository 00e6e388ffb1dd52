"""`/fsync owners <glob> ...`: the people and user groups named after the pattern, read from
Slack's escaped mentions (bot/core/escaped.py). Split from parser.py to keep it short."""

from __future__ import annotations

from bot.core.command import Owners, SetOwners
from bot.core.escaped import Piece
from bot.errors import UsageError

MAX_OWNERS = 10
_NONE = ("none", "nobody", "-")


def _refusal(piece: Piece) -> str:
    if piece.kind == "special":
        return "would notify everyone in the channel: owners are people and user groups"
    if piece.kind == "channel":
        return "is a channel: to send its alerts there, `/fsync subscribe` in it"
    if piece.text.lower() in _NONE:
        return "clears the owners on its own: `/fsync owners <glob> none`"
    if piece.text.startswith("@"):
        # With `should_escape: false` Slack sends `@ana` as text, which names no one for sure.
        return "reached fsync as plain text, not as a Slack mention: pick it from Slack's @ list"
    return "is not a person or user group"


def owners(glob: str, named: list[Piece], usage: str) -> Owners | SetOwners:
    """`glob` alone lists its owners; `none` clears them; else everyone named owns it."""
    if not named:
        return Owners(glob)
    if len(named) == 1 and named[0].kind == "word" and named[0].text.lower() in _NONE:
        return SetOwners(glob, ())
    ids = []
    for piece in named:
        if piece.kind not in ("user", "group"):
            raise UsageError(f"`{piece.text[:40]}` {_refusal(piece)}. {usage}")
        ids.append(piece.id)
    found = tuple(dict.fromkeys(ids))
    if len(found) > MAX_OWNERS:
        raise UsageError(f"At most {MAX_OWNERS} owners per pattern: name a user group instead.")
    return SetOwners(glob, found)
