"""Block Kit primitives that respect Slack's limits, and mrkdwn escaping.

Every text that comes from users or the API goes through `esc` before it is put into mrkdwn, so
`<!channel>`, `<@U123>` or `<https://evil|click>` arrive as plain characters and notify no one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.core.durations import humanize

Block = dict[str, Any]
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_PLAIN = 150
MAX_BUTTON = 75
MAX_FALLBACK = 3000
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def esc(text: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control (`&`, `<`, `>`)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: object) -> str:
    """Inline code with the content escaped; backticks in it cannot close the span."""
    return "`" + esc(text).replace("`", "ˋ") + "`"


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


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_PLAIN)}}


def section(text: str, *, fields: list[str] | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": clip(f, 2000)} for f in fields[:10]]
    if accessory:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(t, 3000)} for t in texts[:10]],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None
) -> Block:
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": clip(text, MAX_BUTTON)},
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
        "title": {"type": "plain_text", "text": clip(title, 100)},
        "text": {"type": "mrkdwn", "text": clip(text, 300)},
        "confirm": {"type": "plain_text", "text": clip(yes, 30)},
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
            context(f"…and {len(blocks) - MAX_MESSAGE_BLOCKS + 1} more blocks not shown."),
        ]
    return {"text": clip(text, MAX_FALLBACK), "blocks": blocks}
