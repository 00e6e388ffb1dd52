"""What Slack sends for `/fsync` text when the command has `should_escape: true`, read back.

Slack escapes `&`, `<` and `>` (`&amp;`, `&lt;`, `&gt;`) and turns what it recognised into
entities: `<@U123|ana>` (a person), `<!subteam^S123|@platform>` (a user group), `<#C123|ops>` (a
channel), `<!here>` (a special mention), `<https://x.example|x.example>` (a link: also a workspace
name with a dot in it, which Slack auto-linked). `split(text)` reads the text into pieces: each
holds the words a person typed (`text`) and, for an entity, what it names (`kind`, `id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["word", "link", "user", "group", "channel", "special"]
# An entity, or a run of anything else up to the next space or entity.
_PIECE = re.compile(r"<[^<>]*>|(?:[^\s<]|<(?![^<>]*>))+")
_USER = re.compile(r"^@([UW][A-Z0-9]{1,20})(?:\|(.*))?$")
_GROUP = re.compile(r"^!subteam\^(S[A-Z0-9]{1,20})(?:\|(.*))?$")
_CHANNEL = re.compile(r"^#([CGD][A-Z0-9]{1,20})(?:\|(.*))?$")
_SPECIAL = re.compile(r"^!([a-z]+)(?:\^[^|]*)?(?:\|(.*))?$")
_LINK = re.compile(r"^([a-z][a-z0-9+.-]*:[^|]*)(?:\|(.*))?$", re.IGNORECASE)
NOTIFY_ALL = frozenset({"here", "channel", "everyone", "group"})
_SCHEME = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    text: str  # as a person reads it: `@ana`, `#ops`, a link's label
    kind: Kind = "word"
    id: str = ""  # U…/W… for a user, S… for a group, C… for a channel, `here` for a special

    @property
    def mention(self) -> bool:
        """Names a person, a group, a channel or everyone: never a workspace name."""
        return self.kind in ("user", "group", "channel", "special")


def unescape(text: str) -> str:
    """Slack's three escapes undone (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _entity(body: str) -> Piece:
    if found := _USER.match(body):
        return Piece("@" + unescape(found.group(2) or found.group(1)), "user", found.group(1))
    if found := _GROUP.match(body):
        label = unescape(found.group(2) or found.group(1))
        return Piece(label if label.startswith("@") else "@" + label, "group", found.group(1))
    if found := _CHANNEL.match(body):
        return Piece("#" + unescape(found.group(2) or found.group(1)), "channel", found.group(1))
    if found := _SPECIAL.match(body):
        name, label = found.group(1), unescape(found.group(2) or "")
        if name in NOTIFY_ALL:
            return Piece("@" + (label or name).lstrip("@"), "special", name)
        return Piece(label or name)  # `<!date^…|Feb 2>`: what it shows
    if found := _LINK.match(body):
        url = unescape(found.group(1))
        # An auto-linked name (`staging.eu`) comes back as its label, or as the URL sans scheme.
        return Piece(unescape(found.group(2)) if found.group(2) else _SCHEME.sub("", url), "link")
    return Piece(unescape(f"<{body}>"))


def split(text: str) -> list[Piece]:
    """The pieces of `text`, in order; plain words are unescaped."""
    pieces = []
    for raw in _PIECE.findall(text or ""):
        if raw.startswith("<") and raw.endswith(">"):
            pieces.append(_entity(raw[1:-1]))
        else:
            pieces.append(Piece(unescape(raw)))
    return pieces
