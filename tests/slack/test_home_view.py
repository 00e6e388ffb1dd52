"""The App Home tab is a pure function of the data it shows: drawn here from plain data (no Deps,
no Slack, no Sync API), read as the person whose tab it is would read it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.authz import Role
from bot.core.fleet import FleetView, tally
from bot.slack.blocks import section
from bot.slack.home import HomeData, home_view
from bot.slack.views import status_overview
from tests.alerts.blockkit import assert_valid_view
from tests.slack.surfaces import NOW, POLICY, conflict, ws


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text a person reads, block by block, in order (sections, contexts, headers)."""
    found = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") in ("mrkdwn", "plain_text"):
                found.append(element["text"])
    return found


def labels(blocks: list[dict[str, Any]]) -> list[str]:
    """Every button's label, in the order they are drawn."""
    found = []
    for block in blocks:
        if "accessory" in block:
            found.append(block["accessory"]["text"]["text"])
        if block["type"] == "actions":
            found += [e["text"]["text"] for e in block["elements"]]
    return found


def fleet() -> FleetView:
    stalled = ws("x-stalled").model_copy(update={"next_sync": NOW - timedelta(hours=3)})
    return FleetView(
        [
            ws("alpha"),
            ws("bravo"),
            ws("charlie"),
            ws("delta", "running"),
            stalled,
            ws("y-conflict", "conflict", open_conflicts=1),
            ws("z-failed", "failed", message="Error: state lock held"),
        ],
        NOW,
        live=True,
    )


def test_home_shows_problems_first_and_counts_them_first() -> None:
    extras = [section("*Alert routes*: <#CALERTS> gets everything")]
    data = HomeData(fleet(), NOW, Role.VIEWER, POLICY, [conflict("y-conflict")], extras)
    tab = home_view(data)
    assert_valid_view(tab, "home")
    shown = texts(tab["blocks"])
    assert shown[1].startswith("Your role: *viewer*")
    # The count of each state: problems before the three successes, though they are fewer.
    tally_line = next(t for t in shown if " · " in t and "success" in t)
    assert (
        tally_line.index("failed")
        < tally_line.index("in conflict")
        < tally_line.index("stalled")
        < tally_line.index("running")
        < tally_line.index("3 success")
    )
    problems = [t for t in shown if t.startswith((":red_circle: *", ":warning: *", ":hourglass:"))]
    assert [t.split("*")[1] for t in problems] == ["z-failed", "y-conflict", "x-stalled"]
    assert "state lock held" in problems[0]
    assert "4 other workspaces are fine or busy." in shown
    assert shown[-1] == extras[0]["text"]["text"]  # the alerts part comes last
    # A viewer may read the conflict and its diff; no button of theirs acts on the fleet.
    assert labels(tab["blocks"]) == ["Refresh", "Conflicts (1)", "View diff"]


def test_an_operator_gets_the_buttons_of_their_role() -> None:
    data = HomeData(fleet(), NOW, Role.ADMIN, POLICY, [conflict("y-conflict")])
    shown = labels(home_view(data)["blocks"])
    assert "Sync now" in shown and "View diff" in shown
    assert any(label.lower().startswith("apply") for label in shown), shown


def test_a_healthy_fleet_says_nothing_needs_attention() -> None:
    view = FleetView([ws("alpha"), ws("bravo")], NOW, live=True)
    shown = texts(home_view(HomeData(view, NOW, Role.ADMIN, POLICY))["blocks"])
    assert ":white_check_mark: Nothing needs attention." in shown
    assert "2 other workspaces are fine or busy." in shown


def test_no_fleet_yet_says_the_sync_api_has_not_answered() -> None:
    tab = home_view(HomeData(None, NOW, Role.OPERATOR, POLICY))
    assert_valid_view(tab, "home")
    assert any("has not answered yet" in t for t in texts(tab["blocks"]))
    assert labels(tab["blocks"]) == ["Refresh"]


def test_the_status_overview_and_the_home_tab_show_the_same_tally() -> None:
    view = fleet()
    assert tally(view.workspaces, NOW) == [
        ("failed", 1),
        ("conflict", 1),
        ("stalled", 1),
        ("running", 1),
        ("success", 3),
    ]
    home = texts(home_view(HomeData(view, NOW, Role.ADMIN, POLICY))["blocks"])
    status = texts(status_overview(view, NOW)["blocks"])
    counted = [t for t in status if t.startswith(":red_circle: 1 failed")]
    assert counted and counted[0] in home


def test_an_unknown_state_is_counted_after_the_known_ones() -> None:
    workspaces = [ws("a", "exploded"), ws("b"), ws("c", "archived")]
    assert tally(workspaces, NOW) == [("success", 1), ("archived", 1), ("exploded", 1)]


@pytest.mark.parametrize(
    ("notify", "line"),
    [
        (True, "DMs when a sync you started ends: *on* · `/fsync notify off`"),
        (False, "DMs when a sync you started ends: *off* · `/fsync notify on`"),
        (None, None),  # a harness without the setting: no line
    ],
)
def test_the_home_tab_shows_the_persons_dm_setting(notify: bool | None, line: str | None) -> None:
    for view in (fleet(), None):  # also while the Sync API has not answered
        tab = home_view(HomeData(view, NOW, Role.OPERATOR, POLICY, notify=notify))
        assert_valid_view(tab, "home")
        shown = [t for t in texts(tab["blocks"]) if "DMs when" in t]
        assert shown == ([f":bell: {line}"] if line else [])
