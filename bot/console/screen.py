"""What the demo's fake Slack received, drawn as Slack would show it (bot/console/render.py)."""

from __future__ import annotations

from collections import deque
from typing import Any

from bot import devslack_calls
from bot.console.render import Renderer
from bot.devslack import Call, FakeSlack

CHANNEL, ALERTS = "CDEMO0001", "CALERTS01"
NAMES = {CHANNEL: "#demo", ALERTS: "#fsync-alerts"}


class Screen:
    def __init__(
        self, render: Renderer, slack: FakeSlack, waiting_forms: deque[dict[str, Any]]
    ) -> None:
        self.render, self.slack, self.waiting_forms = render, slack, waiting_forms

    def reply(self, payload: dict[str, Any], url: str) -> None:
        visible = payload.get("response_type") == "in_channel"
        title = NAMES[CHANNEL] if visible else "only you can see this"
        kind = "in_channel" if visible else "ephemeral"
        self.render.show(
            title,
            payload,
            {"kind": kind, "channel": CHANNEL, "response_url": url},
            style="green" if visible else "blue",
        )

    def call(self, call: Call) -> None:
        args = call.args
        channel = str(args.get("channel", ""))
        where = NAMES.get(channel, "#" + channel if channel else "")
        if call.method == "response_url":
            self.reply(args, str(args.get("_path", "")))
        elif call.method == "chat.postMessage":
            title = f"{where} · thread reply" if args.get("thread_ts") else where
            if channel.startswith("U"):
                title = "direct message from fsync"
            ts = self._ts_of(call)
            self.render.show(
                title,
                args,
                {
                    "kind": "message",
                    "channel": channel,
                    "ts": ts,
                    "text": args.get("text", ""),
                    "blocks": args.get("blocks") or [],
                },
                style="magenta" if channel == ALERTS else "green",
            )
        elif call.method == "chat.update":
            self.render.show(
                f"{where} · card updated in place",
                args,
                {
                    "kind": "message",
                    "channel": channel,
                    "ts": args.get("ts"),
                    "text": args.get("text", ""),
                    "blocks": args.get("blocks") or [],
                },
                style="yellow",
            )
        elif call.method == "chat.postEphemeral":
            self.render.show(
                "only you can see this", args, {"kind": "ephemeral", "channel": channel}
            )
        elif call.method == "views.publish":
            view = args.get("view") or {}
            self.render.show(
                "App Home", view, {"kind": "home", "blocks": view.get("blocks")}, style="cyan"
            )
        elif call.method in ("views.open", "views.push", "views.update"):
            view = args.get("view") or {}
            if view.get("submit") or any(
                b.get("type") == "input" for b in view.get("blocks") or []
            ):
                # Not filled in here: this may be the drawing thread, and only the main thread
                # reads the keyboard (see fill_forms).
                self.waiting_forms.append(view)
            else:  # nothing to fill in (a run's log, a diff): shown as Slack shows it
                title = f"Modal: {(view.get('title') or {}).get('text', '')}"
                self.render.show(title, view, {"kind": "modal"}, style="cyan")

    def _ts_of(self, call: Call) -> str:
        wanted = str(call.args.get("channel", ""))
        if devslack_calls.is_user_id(wanted):  # a DM: kept under the DM's own ID
            wanted = devslack_calls.dm_channel(wanted)
        with self.slack.lock:
            for (channel, ts), message in self.slack.messages.items():
                if channel == wanted and message.get("text") == call.args.get("text"):
                    found = ts
            return locals().get("found", "")
