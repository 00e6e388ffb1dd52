"""Slack request bodies, shaped as Slack sends them, signed with the demo's own secret."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = {"id": "TDEMO0001", "domain": "demo"}

# Who `@name` means in the demo, the way Slack's client turns a name picked from its @ list into
# an id (the manifest's `should_escape: true`): the demo's three people and one user group.
PEOPLE = {"viewer": "UDEMOVIEW", "operator": "UDEMOOPER", "admin": "UDEMOADMN"}
GROUPS = {"platform": "SDEMOPLAT"}
_MENTION = re.compile(r"(?<![\w<@])@([a-z][a-z0-9._-]*)")


def as_slack_sends(text: str) -> str:
    """Typed text as a slash command's `text` arrives with `should_escape: true`: `&`, `<`, `>`
    escaped, and mentions of known people, groups and @here/@channel/@everyone as ids."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("here", "channel", "everyone"):
            return f"<!{name}>"
        if name in PEOPLE:
            return f"<@{PEOPLE[name]}|{name}>"
        if name in GROUPS:
            return f"<!subteam^{GROUPS[name]}|@{name}>"
        return match.group(0)  # a name Slack would not know stays text

    return _MENTION.sub(mention, escaped)


def signed_headers(secret: str, body: str, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": str(signature),
    }


def slash_command(text: str, *, user: str, channel: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "demo",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": "demo",
            "user_id": user,
            "user_name": "you",
            "command": "/fsync",
            "text": as_slack_sends(text),
            "api_app_id": "ADEMO0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{time.time()}.demo",
        }
    )


def block_action(action_id: str, value: str, *, user: str, source: dict[str, Any]) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": TEAM,
        "api_app_id": "ADEMO0001",
        "token": "demo",
        "user": {"id": user, "username": "you", "team_id": TEAM["id"]},
        "trigger_id": f"{time.time()}.demo",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "demo",
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    if source.get("kind") == "home":
        payload["container"] = {"type": "view", "view_id": "VDEMOHOME"}
        payload["view"] = {"id": "VDEMOHOME", "type": "home", "blocks": source.get("blocks", [])}
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": source.get("ts", ""),
            "channel_id": source.get("channel", ""),
            "is_ephemeral": source.get("kind") == "ephemeral",
        }
        payload["channel"] = {"id": source.get("channel", ""), "name": "demo"}
        if source.get("response_url"):
            payload["response_url"] = source["response_url"]
        if source.get("kind") == "message":
            payload["message"] = {
                "ts": source.get("ts"),
                "text": source.get("text", ""),
                "blocks": source.get("blocks", []),
            }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(view: dict[str, Any], values: dict[str, Any], *, user: str) -> str:
    payload = {
        "type": "view_submission",
        "team": TEAM,
        "api_app_id": "ADEMO0001",
        "token": "demo",
        "user": {"id": user, "username": "you", "team_id": TEAM["id"]},
        "view": {**view, "id": "VDEMOMODAL", "state": {"values": values}},
    }
    return urlencode({"payload": json.dumps(payload)})


def home_opened(user: str) -> str:
    return json.dumps(
        {
            "token": "demo",
            "team_id": TEAM["id"],
            "api_app_id": "ADEMO0001",
            "type": "event_callback",
            "event_id": f"Ev{int(time.time() * 1000)}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "DDEMO0001",
                "tab": "home",
                "event_ts": str(time.time()),
            },
            "authorizations": [{"team_id": TEAM["id"], "user_id": "UBOT", "is_bot": True}],
        }
    )
