"""Forms (Slack modals) in the terminal. A form owns the input until it is submitted or
cancelled: every line typed meanwhile answers one of its fields, never the `>` prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

from bot.console.render import Renderer

Read = Callable[[str], str | None]  # prompt -> the line typed, None at end of input
Submit = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]  # view, values -> answer

HINT = "The form has the keyboard until it is sent: Enter keeps the value in (), cancel drops it."
CANCELLED = "Form cancelled: nothing was sent."


class Forms:
    def __init__(self, console: Console, render: Renderer, read: Read, submit: Submit) -> None:
        self.console, self.render, self.read, self.submit = console, render, read, submit

    def fill(self, view: dict[str, Any]) -> None:
        """Ask for every field, send, and ask again for the fields the app refused."""
        while view:
            title = view.get("title", {}).get("text", "")
            self.render.show(f"Form: {title}", view, {"kind": "modal"}, style="cyan")
            self.say(HINT, style="dim")
            inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
            if not inputs and not self._yes("Submit? [y/N] "):
                self.say(CANCELLED)
                return
            values: dict[str, Any] = {}
            asking = inputs
            while True:
                for block in asking:
                    answer = self._field(block)
                    if answer is None:
                        self.say(CANCELLED)
                        return
                    values[block["block_id"]] = answer
                reply = self.submit(view, values) or {}
                errors = reply.get("errors") if reply.get("response_action") == "errors" else None
                if not errors:
                    break
                for block in inputs:
                    if block["block_id"] in errors:
                        label = block.get("label", {}).get("text", "")
                        self.say(f"{label}: {errors[block['block_id']]}", style="red")
                asking = [b for b in inputs if b["block_id"] in errors] or inputs
            next_view = (
                reply.get("view") if reply.get("response_action") in ("update", "push") else None
            )
            view = next_view or {}

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, highlight=False)

    def _yes(self, prompt: str) -> bool:
        answer = self.read(prompt)
        return answer is not None and answer.strip().lower() in ("y", "yes")

    def _field(self, block: dict[str, Any]) -> dict[str, Any] | None:
        """One field's value as Slack's view state holds it; None when the form is cancelled."""
        element, label = block["element"], block.get("label", {}).get("text", "")
        action_id = element.get("action_id", block["block_id"])
        select = element["type"] == "static_select"
        options = element.get("options", []) if select else []
        choices = "/".join(o["value"] for o in options)
        if select:
            current = (element.get("initial_option") or {}).get("value", "")
            prompt = f"{label} [{choices}] ({current or 'none'}): "
        else:
            current = element.get("initial_value", "")
            prompt = f"{label} ({current}): "
        while True:
            raw = self.read(prompt)
            if raw is None or raw.strip().lower() == "cancel":
                return None
            typed = raw.strip()
            if typed.lower() in ("help", "?"):
                self.say(HINT)
                continue
            if not select:
                return {action_id: {"type": "plain_text_input", "value": typed or current}}
            wanted = (typed or current).lower()
            picked = next(
                (
                    o
                    for o in options
                    if wanted in (o["value"].lower(), o.get("text", {}).get("text", "").lower())
                ),
                None,
            )
            if picked is not None:
                return {action_id: {"type": "static_select", "selected_option": picked}}
            keep = f", or Enter to keep {current}" if current else ""
            self.say(f"Type one of {choices}{keep} (or cancel).", style="yellow")
