"""Block Kit rendered for a terminal with rich: what Slack would show, buttons numbered."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bot.console.payloads import GROUPS, PEOPLE

EMOJI = {
    "red_circle": "🔴",
    "warning": "⚠️",
    "hourglass": "⌛",
    "arrows_counterclockwise": "🔄",
    "large_green_circle": "🟢",
    "white_circle": "⚪",
    "black_circle": "⚫",
    "grey_question": "❔",
    "no_entry": "⛔",
    "lock": "🔒",
    "white_check_mark": "✅",
    "information_source": "ℹ️",
    "boom": "💥",
    "gear": "⚙️",
    "no_bell": "🔕",
    "bell": "🔔",
    "rotating_light": "🚨",
    "x": "❌",
    "mute": "🔇",
    "satellite_antenna": "📡",
}

NAMES = {id_: name for name, id_ in (PEOPLE | GROUPS).items()}  # ids shown as names


@dataclass
class Button:
    action_id: str
    value: str
    label: str
    confirm: dict[str, Any] | None
    # Where it was drawn: a channel message, an ephemeral reply or the Home tab.
    source: dict[str, Any] = field(default_factory=dict)


def mrkdwn(text: str) -> str:
    """Slack mrkdwn to rich markup: emoji, *bold*, `code`, ```blocks```, mentions, entities."""
    text = re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + NAMES.get(m[1], m[1]), text)
    group = r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>"
    text = re.sub(group, lambda m: "@" + (m[2] or NAMES.get(m[1], m[1])), text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<!(here|channel|everyone)>", r"@\1", text)
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = html.unescape(text)  # &lt; &gt; &amp; are shown as the characters they stand for
    text = escape(text)
    text = re.sub(r"```(.*?)```", lambda m: f"[red]{m.group(1).strip()}[/red]", text, flags=re.S)
    text = re.sub(r"`([^`\n]+)`", r"[cyan]\1[/cyan]", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"[bold]\1[/bold]", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"[italic]\1[/italic]", text)
    return text


class Renderer:
    """Turns blocks into renderables and keeps the numbering of every button shown."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.buttons: dict[int, Button] = {}
        self._next = 1

    def find(self, label: str) -> int | None:
        """The newest button whose label starts with `label` (case-insensitive)."""
        wanted = label.strip().lower()
        for number in sorted(self.buttons, reverse=True):
            if self.buttons[number].label.lower().startswith(wanted):
                return number
        return None

    def _button(self, element: dict[str, Any], source: dict[str, Any]) -> str:
        number = self._next
        self._next += 1
        label = element.get("text", {}).get("text", "?")
        self.buttons[number] = Button(
            element.get("action_id", ""),
            element.get("value", ""),
            label,
            element.get("confirm"),
            source,
        )
        lock = " 🔒" if element.get("confirm") else ""
        return f"[reverse] [{number}] {escape(label)}{lock} [/reverse]"

    def blocks(self, blocks: list[dict[str, Any]], source: dict[str, Any]) -> list[RenderableType]:
        out: list[RenderableType] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "header":
                out.append(Text(block["text"]["text"], style="bold underline"))
            elif kind == "section":
                if block.get("text"):
                    out.append(Text.from_markup(mrkdwn(block["text"]["text"])))
                if block.get("fields"):
                    table = Table.grid(padding=(0, 4))
                    table.add_column()
                    table.add_column()
                    cells = [Text.from_markup(mrkdwn(f["text"])) for f in block["fields"]]
                    for i in range(0, len(cells), 2):
                        table.add_row(*cells[i : i + 2])
                    out.append(table)
            elif kind == "context":
                parts = [mrkdwn(e.get("text", "")) for e in block.get("elements", [])]
                out.append(Text.from_markup("[dim]" + "  ".join(parts) + "[/dim]"))
            elif kind == "divider":
                out.append(Rule(style="dim"))
            elif kind == "actions":
                labels = [
                    self._button(e, source)
                    for e in block.get("elements", [])
                    if e.get("type") == "button"
                ]
                out.append(Text.from_markup("  ".join(labels)))
            elif kind == "input":
                out.append(Text(f"[{block.get('label', {}).get('text', 'input')}]", style="dim"))
        return out

    def show(
        self, title: str, payload: dict[str, Any], source: dict[str, Any], style: str = "blue"
    ) -> None:
        parts = self.blocks(payload.get("blocks") or [], source)
        if not parts:
            parts = [Text.from_markup(mrkdwn(payload.get("text") or ""))]
        # The title is text (a form's title is the app's), never markup.
        framed = Panel(
            Group(*parts), title=Text(title), title_align="left", border_style=style, expand=False
        )
        self.console.print(framed)
