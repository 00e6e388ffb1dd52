"""Drift decisions people can trust: a conflict's diff says which side is the code and which the
cloud, in words, with values as JSON writes them; App Home, which shows the resolution buttons,
shows what differs and opens the whole diff.

In-process: the real App through signed requests to `App.dispatch`, a scripted Sync API
(httpx.MockTransport) and the fake Slack on loopback, which refuses what Slack would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.slack import blockkit
from tests.fakes import FakeSlack
from tests.firestartr.fakes import reply
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.inproc import ADMIN, InProcessBot

API = "/v1/terraform/sync"
VIEWER = "UVIEW0001"
SECRET = "q7Vx2LmN9pRt4WzK"
DETECTED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def attr(path: str, desired: Any, actual: Any, sensitive: bool = False) -> dict[str, Any]:
    return {"path": path, "desired": desired, "actual": actual, "sensitive": sensitive}


CONFLICT = {
    "id": "cfl_01J9ZK3M2Q",
    "workspace": "networking",
    "status": "open",
    "type": "drift",
    "detected_at": DETECTED.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "summary": "4 resources changed outside Terraform",
    "resources": [
        {
            "address": "aws_security_group.app",
            "action": "update",
            "changed_attributes": [
                attr("ingress[1].cidr_blocks[0]", "10.0.0.0/8", "0.0.0.0/0"),
                attr("ingress[1].from_port", 443, 22),
            ],
        },
        {
            "address": "aws_instance.web[0]",
            "action": "update",
            "changed_attributes": [
                attr("tags.Owner", "platform-team", None),
                attr("monitoring", True, False),
                attr("tags", {"team": "core", "tier": 1}, ["a", 2.5]),
                attr("user_data", "", None),
            ],
        },
        {
            "address": "aws_s3_bucket.debug_exports",
            "action": "delete",
            "changed_attributes": [attr("bucket", None, "tmp-debug-exports-2025")],
        },
        {
            "address": "aws_vpn_connection.office",
            "action": "update",
            "changed_attributes": [attr("tunnel1_preshared_key", SECRET, "hunter2", True)],
        },
    ],
    "allowed_resolutions": ["apply_desired", "accept_remote", "ignore_once", "abort"],
}
WORKSPACES = {
    "workspaces": [
        {"name": "networking", "status": "conflict", "open_conflicts": 1, "sync_enabled": True},
        {"name": "staging", "status": "success", "sync_enabled": True},
    ]
}


def sync_api(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == f"{API}/workspaces":
        return reply(200, WORKSPACES)(request)
    if path == f"{API}/conflicts":
        return reply(200, {"conflicts": [CONFLICT]})(request)
    if path == f"{API}/conflicts/{CONFLICT['id']}":
        return reply(200, CONFLICT)(request)
    return reply(404, {"error": "not_found", "message": "no route", "code": 404})(request)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fsync(tmp_path: Path, slack: FakeSlack) -> Iterator[InProcessBot]:
    bot = InProcessBot(sync_api, slack, tmp_path / "fsync.db")
    yield bot
    bot.close()


def texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False)


def mrkdwn(payload: dict[str, Any]) -> str:
    """Every mrkdwn text of the payload, one per line, as Slack would render it."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks", []))
    return "\n".join(found)


def assert_reads_as_a_person_would(text: str) -> None:
    # Python's spellings of JSON values never reach a reader.
    assert not re.search(r"\b(None|True|False)\b", text), text
    assert "{'" not in text and "['" not in text
    assert SECRET not in text and "hunter2" not in text


def test_the_diff_names_code_and_cloud_and_shows_values_as_json(
    fsync: InProcessBot, slack: FakeSlack
) -> None:
    (answer,) = fsync.responses(fsync.command("conflicts networking", user=VIEWER))
    text = mrkdwn(answer)
    assert "`ingress[1].cidr_blocks[0]`: in code `10.0.0.0/8`, in the cloud `0.0.0.0/0`" in text
    assert "`ingress[1].from_port`: in code `443`, in the cloud `22`" in text
    assert "`tags.Owner`: in code `platform-team`, in the cloud _(absent)_" in text
    assert "`monitoring`: in code `true`, in the cloud `false`" in text
    assert '`tags`: in code `{"team":"core","tier":1}`, in the cloud `["a",2.5]`' in text
    assert '`user_data`: in code `""`, in the cloud _(absent)_' in text
    assert "`bucket`: in code _(absent)_, in the cloud `tmp-debug-exports-2025`" in text
    assert "`tunnel1_preshared_key`: _(sensitive value hidden)_" in text
    # What each button does to which side, next to the buttons.
    assert "*Apply desired state* changes the cloud to match the code" in text
    assert "*Accept real state* keeps the cloud as it is" in text
    # The age is the API's: when the conflict was detected.
    assert f"detected <!date^{int(DETECTED.timestamp())}^" in text
    assert_reads_as_a_person_would(text)
    assert slack.invalid == []


def test_app_home_shows_a_diff_summary_next_to_the_buttons_and_opens_the_whole_diff(
    fsync: InProcessBot, slack: FakeSlack
) -> None:
    answer = dispatch_signed(fsync.app, json.dumps(slackreq.home_opened(ADMIN)))
    assert answer.status == 200
    (published,) = slack.wait_for("views.publish")
    home = published.args["view"]
    blocks = home["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"resolve:{CONFLICT['id']}")
    summary = blocks[at - 1]
    # Right above the resolution buttons: what differs, and a button for the whole diff.
    assert "4 resources, 8 attributes differ between code and cloud" in mrkdwn(
        {"blocks": [summary]}
    )
    assert "`aws_security_group.app`" in mrkdwn({"blocks": [summary]})
    view_diff = summary.get("accessory") or {}
    assert view_diff.get("text", {}).get("text") == "View diff"

    payload = slackreq.home_action_payload(view_diff["action_id"], view_diff["value"], user=VIEWER)
    clicked = dispatch_signed(fsync.app, slackreq.interactive_body(payload))
    assert clicked.status == 200
    (opened,) = slack.wait_for("views.open")
    assert opened.args["trigger_id"] == payload["trigger_id"]
    modal = opened.args["view"]
    blockkit.check_view(modal)  # Slack's rules: title of at most 24 characters, <= 100 blocks
    assert modal["type"] == "modal" and modal["title"]["text"] == "Diff: networking"
    text = mrkdwn(modal)
    assert "`tags.Owner`: in code `platform-team`, in the cloud _(absent)_" in text
    assert "`bucket`: in code _(absent)_, in the cloud `tmp-debug-exports-2025`" in text
    assert_reads_as_a_person_would(text)
    assert slack.invalid == []


def view_diff_button(app: Any, slack: FakeSlack) -> dict[str, Any]:
    """The App Home tab as ADMIN opens it, and its View diff button."""
    assert dispatch_signed(app, json.dumps(slackreq.home_opened(ADMIN))).status == 200
    (published,) = slack.wait_for("views.publish")
    found = [
        b["accessory"]
        for b in published.args["view"]["blocks"]
        if (b.get("accessory") or {}).get("text", {}).get("text") == "View diff"
    ]
    assert found, "App Home shows resolution buttons but no View diff button"
    return found[0]


def test_a_huge_diff_still_opens_within_slacks_limits(tmp_path: Path, slack: FakeSlack) -> None:
    big = {
        **CONFLICT,
        "workspace": "a-workspace-with-a-very-long-name-indeed",
        "resources": [
            {
                "address": f"aws_security_group.rule_{n}",
                "action": "update",
                "changed_attributes": [attr(f"ingress[{i}]", "x" * 300, None) for i in range(40)],
            }
            for n in range(80)
        ],
    }
    fleet = {
        "workspaces": [
            {"name": big["workspace"], "status": "conflict", "open_conflicts": 1},
        ]
    }

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API}/workspaces":
            return reply(200, fleet)(request)
        if request.url.path == f"{API}/conflicts":
            return reply(200, {"conflicts": [big]})(request)
        if request.url.path == f"{API}/conflicts/{CONFLICT['id']}":
            return reply(200, big)(request)
        return sync_api(request)

    bot = InProcessBot(api, slack, tmp_path / "big.db")
    try:
        button = view_diff_button(bot.app, slack)
        payload = slackreq.home_action_payload(button["action_id"], button["value"], user=VIEWER)
        assert dispatch_signed(bot.app, slackreq.interactive_body(payload)).status == 200
        (opened,) = slack.wait_for("views.open")
        blockkit.check_view(opened.args["view"])
        assert len(opened.args["view"]["title"]["text"]) <= 24
        assert slack.invalid == []
    finally:
        bot.close()
