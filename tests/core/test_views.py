"""Views are pure: every message is valid Block Kit, and nothing from the API can ping anyone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.authz import Policy
from bot.core.fleet import FleetView
from bot.firestartr.models import Conflict, Run, Workspace
from bot.slack import run_views, views
from bot.slack.blocks import esc
from tests.alerts.blockkit import assert_valid

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = Policy(frozenset({"UADMIN"}), frozenset({"UOPER"}), ("prod*",))
EVIL = "<!channel> disk full <!here> <@U123> <https://evil.example|click> & more"


def valid(message: dict) -> None:
    assert_valid(message)  # Slack's rules (bot.slack.blockkit) and slack_sdk's checks


def mrkdwn_texts(node: object) -> list[str]:
    """Every text Slack parses for mentions and links (plain_text and button values are not)."""
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []


def no_pings(message: dict) -> None:
    for text in [message["text"], *mrkdwn_texts(message["blocks"])]:
        for token in ("<!channel>", "<!here>", "<@U123>", "<https://evil"):
            assert token not in text


def ws(name: str, status: str = "success", **kw: object) -> Workspace:
    return Workspace(
        name=name,
        status=status,
        last_sync=NOW - timedelta(minutes=3),
        next_sync=NOW + timedelta(minutes=7),
        sync_interval="10m",
        **kw,
    )


def test_escape() -> None:
    assert esc("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_api_text_is_escaped_everywhere() -> None:
    bad = ws(EVIL[:20].replace(" ", "-"), "failed", message=EVIL)
    fleet = FleetView([bad, ws("ok")], NOW, live=True)
    conflict = Conflict(
        id="c1",
        workspace="prod",
        summary=EVIL,
        resources=[
            {
                "address": EVIL,
                "changed_attributes": [{"path": EVIL, "desired": EVIL, "actual": EVIL}],
            }
        ],
        allowed_resolutions=["apply_desired", EVIL],
    )
    run = Run(id="r1", status="failed", message=EVIL)
    messages = [
        views.status_overview(fleet, NOW),
        views.workspace_detail(bad, fleet, [conflict], NOW, POLICY),
        views.conflicts_message([conflict], POLICY, None),
        run_views.sync_card("dev", "UOPER", run, NOW),
        views.audit_message(
            [
                {
                    "at": NOW.isoformat(),
                    "user_id": EVIL,
                    "action": EVIL,
                    "workspace": EVIL,
                    "args": {"x": EVIL},
                    "outcome": "error",
                    "detail": EVIL,
                }
            ],
            None,
            NOW,
        ),
    ]
    for message in messages:
        valid(message)
        no_pings(message)


def test_sensitive_values_are_never_shown() -> None:
    conflict = Conflict(
        id="c1",
        workspace="dev",
        resources=[
            {
                "address": "aws_db.main",
                "changed_attributes": [
                    {
                        "path": "password",
                        "desired": "s3cret-desired",
                        "actual": "s3cret-actual",
                        "sensitive": True,
                    }
                ],
            }
        ],
        allowed_resolutions=["abort"],
    )
    shown = json.dumps(views.conflicts_message([conflict], POLICY, None))
    assert "s3cret" not in shown and "sensitive value hidden" in shown


def test_protected_conflict_buttons_carry_a_confirmation() -> None:
    conflict = Conflict(
        id="c1", workspace="production", allowed_resolutions=["apply_desired", "abort"]
    )
    message = views.conflicts_message([conflict], POLICY, None)
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons and all("confirm" in b for b in buttons)


@pytest.mark.parametrize("size", [0, 1, 49, 50, 51, 500, 20_000])
def test_status_overview_is_valid_at_any_fleet_size(size: int) -> None:
    fleet = FleetView(
        [
            ws(f"ws-{i:05d}", "failed" if i % 7 == 0 else "success", message="boom " * 100)
            for i in range(size)
        ],
        NOW,
        live=True,
    )
    message = views.status_overview(fleet, NOW)
    valid(message)
    if size:
        assert "ws-00000" in json.dumps(message)  # a failing one, shown first


def test_unknown_status_is_shown_as_given() -> None:
    fleet = FleetView([ws("odd", "exploding")], NOW, live=True)
    assert "exploding" in json.dumps(views.status_overview(fleet, NOW))
