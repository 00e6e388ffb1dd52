"""What the fake Slack (bot/devslack.py) knows without keeping any state: how Slack reads a call's
arguments, which calls Slack would refuse (Block Kit rules from `bot.slack.blockkit`, a message
with no text), and the fixed answers of the methods whose answer depends on nothing recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from bot.slack import blockkit

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
Answer = tuple[int, Any, dict[str, str]]
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")

AUTH_TEST = {
    "ok": True,
    "url": "https://example.slack.com/",
    "team": "Example",
    "user": "fsync",
    "team_id": "T0001",
    "user_id": "UBOT",
    "bot_id": "BBOT",
}


def decode(raw: str, content_type: str) -> dict[str, Any]:
    """A call's arguments: JSON or a form, with `blocks`, `view`, `attachments` sent as JSON text
    read as Slack reads them."""
    if content_type.startswith("application/json"):
        args = json.loads(raw or "{}")
    else:
        args = dict(parse_qsl(raw))
    for key in ("blocks", "view", "attachments"):
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except json.JSONDecodeError:
                pass
    return args


def refusal(method: str, args: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(error, problems) when Slack would refuse this call's message or view, else None."""
    if method in VIEW_METHODS:
        view = args.get("view")
        if not isinstance(view, dict):
            return "invalid_arguments", ["`view` must be a JSON object"]
        problems = blockkit.view_problems(view)
    elif method in MESSAGE_METHODS:
        if args.get("blocks") is None:
            needs_text = method != "response_url" or not args.get("delete_original")
            if needs_text and not args.get("text") and not args.get("attachments"):
                return "no_text", ["neither `text` nor `blocks` were given"]
            return None
        problems = blockkit.message_problems(args)
    else:
        return None
    return ("invalid_blocks", [str(p) for p in problems]) if problems else None


def open_connection(auth: str, socket_mode: Callable[[], str] | None) -> Answer:
    """`apps.connections.open`: a WebSocket URL from `socket_mode`, for an app-level token."""
    # Slack wants an app-level token, and only in the Authorization header.
    if not auth.startswith("Bearer xapp-"):
        error = "not_allowed_token_type" if auth else "not_authed"
        return 200, {"ok": False, "error": error}, {}
    if socket_mode is None:  # the fake's own error: nothing to connect to here
        return 200, {"ok": False, "error": "no_socket_mode_server"}, {}
    return 200, {"ok": True, "url": socket_mode()}, {}


def fixed_answer(method: str, args: dict[str, Any]) -> Answer:
    """The answer of a call that records nothing the fake answers from later."""
    if method == "response_url":
        return 200, b"ok", {}
    if method == "auth.test":
        return 200, dict(AUTH_TEST), {}
    if method == "chat.postEphemeral":
        return 200, {"ok": True, "message_ts": "1700000000.999999"}, {}
    if method in VIEW_METHODS:
        return 200, {"ok": True, "view": {"id": "V0FAKE", **(args.get("view") or {})}}, {}
    if method == "conversations.join":
        return 200, {"ok": True, "channel": {"id": args.get("channel")}}, {}
    if method == "conversations.info":
        channel = {
            "id": args.get("channel"),
            "is_private": False,
            "is_archived": False,
            "is_member": True,
        }
        return 200, {"ok": True, "channel": channel}, {}
    return 200, {"ok": True}, {}


def is_user_id(channel: str) -> bool:
    return bool(_USER_ID.match(channel))


def dm_channel(user_id: str) -> str:
    """The ID of the app's DM with `user_id` (Slack's are D…; one per person)."""
    return "D" + user_id[1:]


def permalink(args: dict[str, Any], known: bool) -> Answer:
    """`chat.getPermalink`: a link for a message the fake holds, else Slack's error."""
    channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
    if not channel or not ts:
        return 200, {"ok": False, "error": "invalid_arguments"}, {}
    if not known:
        return 200, {"ok": False, "error": "message_not_found"}, {}
    link = f"{AUTH_TEST['url']}archives/{channel}/p{ts.replace('.', '')}"
    return 200, {"ok": True, "channel": channel, "permalink": link}, {}
