"""Block Kit primitives that respect Slack's limits, and mrkdwn escaping.

Every text that comes from users or the API goes through `esc` before it is put into mrkdwn, so
`<!channel>`, `<@U123>` or `<https://evil|click>` arrive as plain characters and notify no one.
Text in code goes through `code` (a span) or `code_block` (```), which no backtick can close.
Invisible characters that reorder or hide text (bidi overrides, zero-width joiners) are shown
as `<U+202E>` by `esc`, `code`, `code_block` and `plain` (plain_text: headers, buttons, titles),
and by every block built here, so `prod<U+202E>ved` never reads as `proddev` in Slack.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.core.durations import humanize
from bot.core.words import plural

Block = dict[str, Any]
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_PLAIN = 150
MAX_BUTTON = 75
MAX_FALLBACK = 3000
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
# Bidi embeddings, overrides and isolates (U+202A-E, U+2066-9), the LRM/RLM/ALM marks, and the
# zero-width space, joiners, word joiner and BOM: each can make a name read as another one.
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]")
_BACKTICK = "ˋ"  # U+02CB: looks like a backtick, closes no code span or block
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def visible(text: object, *, mrkdwn: bool = False) -> str:
    """`text` with every hidden control character spelled out: `<U+202E>` (in mrkdwn, escaped
    as `&lt;U+202E&gt;` so Slack does not read it as a link)."""
    left, right = ("&lt;", "&gt;") if mrkdwn else ("<", ">")
    return _HIDDEN.sub(lambda m: f"{left}U+{ord(m.group()):04X}{right}", str(text))


def plain(text: object, limit: int) -> str:
    """Text for a plain_text object (no mrkdwn, so no escaping), controls shown, clipped."""
    return clip(visible(text), limit)


def esc(text: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control (`&`, `<`, `>`)."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return visible(escaped, mrkdwn=True)


def code(text: object) -> str:
    """Inline code with the content escaped; backticks in it cannot close the span."""
    return "`" + esc(text).replace("`", _BACKTICK) + "`"


def code_block(text: object, limit: int = 2800) -> str:
    """A ``` block of at most `limit` characters, fences included; nothing in it can close it
    early and clipping never cuts an escape like `&amp;` in half."""
    body = esc(text).replace("`", _BACKTICK)
    if len(body) > limit - 6:
        body = _PARTIAL_ENTITY.sub("", body[: limit - 7]) + "…"
    return f"```{body}```"


def user(user_id: str | None) -> str:
    """A mention for a real Slack user ID, else the escaped text (API values are untrusted)."""
    if not user_id:
        return "someone"
    if _USER_ID.match(user_id):
        return f"<@{user_id}>"
    return esc(user_id)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    delta = (now - moment).total_seconds()
    if abs(delta) < 5:
        return "just now"
    return f"{humanize(delta)} ago" if delta > 0 else f"in {humanize(delta)}"


def when(moment: datetime) -> str:
    """A time every reader sees in their own time zone (falls back to UTC text)."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _mrkdwn(text: str, limit: int) -> Block:
    # `visible` again: a view that forgot `esc` still shows no hidden control character.
    return {"type": "mrkdwn", "text": clip(visible(text, mrkdwn=True), limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, MAX_PLAIN)}}


def section(text: str, *, fields: list[str] | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": _mrkdwn(text, MAX_SECTION)}
    if fields:
        block["fields"] = [_mrkdwn(f, 2000) for f in fields[:10]]
    if accessory:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(t, 3000) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None
) -> Block:
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": plain(text, MAX_BUTTON)},
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm_dialog(title: str, text: str, yes: str, *, danger: bool = True) -> Block:
    dialog: Block = {
        "title": {"type": "plain_text", "text": plain(title, 100)},
        "text": _mrkdwn(text, 300),
        "confirm": {"type": "plain_text", "text": plain(yes, 30)},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def pack_lines(lines: list[str], *, limit: int = MAX_SECTION - 100) -> list[Block]:
    """Lines into as few sections as Slack's 3,000-character limit allows."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(clip(line, limit))
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: blocks within the limit and a plain `text` fallback."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        blocks = [
            *blocks[: MAX_MESSAGE_BLOCKS - 1],
            context(
                f"…and {plural(len(blocks) - MAX_MESSAGE_BLOCKS + 1, 'more block')} not shown."
            ),
        ]
    return {"text": clip(visible(text, mrkdwn=True), MAX_FALLBACK), "blocks": blocks}


# The emoji for a workspace or run state, wherever one is shown (status, cards, Home).
ICONS = {
    "failed": ":red_circle:",
    "conflict": ":warning:",
    "stalled": ":hourglass:",
    "running": ":arrows_counterclockwise:",
    "queued": ":arrows_counterclockwise:",
    "success": ":large_green_circle:",
    "never_synced": ":white_circle:",
    "disabled": ":black_circle:",
    "succeeded": ":large_green_circle:",
    "canceled": ":black_circle:",
    "awaiting_resolution": ":warning:",
    "awaiting_approval": ":raised_hand:",
    "approval": ":raised_hand:",
    "discarded": ":black_circle:",
    "expired": ":hourglass:",
}


def icon(state: str) -> str:
    return ICONS.get(state, ":grey_question:")
