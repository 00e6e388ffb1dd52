"""Every surface that shows a conflict, and every other view, passes Slack's Block Kit rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.alerts.model import Mute, Route
from bot.core.authz import Role
from bot.core.config_swap import ConfigChange
from bot.core.fleet import FleetView
from bot.errors import Confirm, PermissionDenied
from bot.firestartr.models import Config, Run, WorkspaceConfig
from bot.slack import alert_panels as panels
from bot.slack import config_views, modals, run_views, views
from bot.slack.home import HomeData, home_view
from bot.slack.ids import Action
from tests.alerts.blockkit import assert_valid, assert_valid_view
from tests.slack.surfaces import FOUR, NOW, POLICY, alert_card, conflict, home, ws

ERROR = "Error: ```\n<!channel> a `tick` then ``` more & the rest"


def resolution_ids(payload: dict[str, Any]) -> list[str]:
    return [
        e["action_id"]
        for b in payload["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(Action.RESOLVE)
    ]


@pytest.mark.parametrize("workspace", ["networking", "prod-db"], ids=["open", "protected"])
def test_a_conflict_offering_four_resolutions_passes_slacks_rules_everywhere(
    workspace: str,
) -> None:
    found = conflict(workspace)
    card, listing = alert_card(found), views.conflicts_message([found], POLICY, None)
    tab = home([ws(workspace, "conflict", open_conflicts=1)], [found])
    assert_valid(card)
    assert_valid(listing)
    assert_valid_view(tab, "home")
    prefix = Action.RESOLVE_CONFIRMED if workspace.startswith("prod") else Action.RESOLVE
    for shown in (card, listing, tab):
        ids = resolution_ids(shown)
        assert ids == [f"{prefix}:{r}" for r in FOUR]
        # mark_resolved swaps the buttons for "Resolved by ..." through this block_id
        (block,) = [b for b in shown["blocks"] if b.get("block_id") == f"resolve:{found.id}"]
        assert len(block["elements"]) == 4


def test_the_api_listing_a_resolution_or_a_conflict_twice_still_gives_a_valid_message() -> None:
    twice = conflict("networking", allowed_resolutions=["abort", "abort", "<!here> odd", "x" * 300])
    listing = views.conflicts_message([twice, twice], POLICY, "networking")
    assert_valid(listing)
    ids = resolution_ids(listing)
    assert ids == ["fsync_resolve:abort", "fsync_resolve:~1", "fsync_resolve:~2"]


def test_every_other_view_passes_slacks_rules() -> None:
    fleet = [ws(f"ws-{n:03d}", "failed" if n % 3 else "success", message=ERROR) for n in range(90)]
    view = FleetView(fleet, NOW, live=True)
    for page in (1, 2, 3):
        assert_valid(views.status_overview(view, NOW, page=page))
    found = conflict("ws-001")
    assert_valid(views.workspace_detail(fleet[1], view, [found], NOW, POLICY))
    assert_valid_view(home(fleet, [found]), "home")
    assert_valid(views.help_message())
    assert_valid(
        run_views.sync_card("dev", "UOPER", Run(id="r1", status="failed", message=ERROR), NOW)
    )
    meta = modals.Meta(workspace="staging", channel="C1")
    editing = modals.config_view(
        "staging", enabled=True, interval="10m", auto_apply=False, channel="C1"
    )
    assert_valid_view(editing, "modal")
    assert_valid_view(modals.confirm_view(meta), "modal")


def test_the_command_answers_and_the_alert_panels_pass_slacks_rules() -> None:
    config = Config(workspaces={f"ws-{n}": WorkspaceConfig() for n in range(80)})
    change = ConfigChange("staging", {"enabled": True}, {"enabled": False}, config)
    prompt = Confirm(
        "Resolve it?", action="resolve", params={"conflict_id": "cfl_1", "resolution": "abort"}
    )
    entry = {"at": NOW.isoformat(), "user_id": "UOPER", "action": "sync", "workspace": "dev"}
    audit = [{**entry, "args": {"workspace": "dev"}, "outcome": "ok", "detail": ERROR}] * 60
    for answer in (
        config_views.config_overview(config),
        config_views.config_changed(change, "UADMIN"),
        views.confirm_prompt(prompt),
        views.error_message(PermissionDenied("No.", holders=["UADMIN"])),
        views.unknown_error("abc123"),
        views.audit_message(audit, None, NOW),
    ):
        assert_valid(answer)
    routes = [Route(f"C{n:08d}", f"team-{n}-*", frozenset({"failed"})) for n in range(30)]
    mutes = [Mute(f"dev-{n}", NOW + timedelta(hours=1), ERROR) for n in range(12)]
    assert_valid(
        panels.routes_message(routes, {"C00000001": "not_in_channel"}, mutes, NOW, everywhere=True)
    )
    assert_valid(panels.muted(mutes[0], [f"dev-{n}" for n in range(40)], NOW))
    extras = panels.home_blocks(routes, {}, mutes, NOW)
    fleet = FleetView([ws(f"ws-{n}", "failed", message=ERROR) for n in range(40)], NOW, live=True)
    found = [conflict(f"ws-{n}") for n in range(40)]
    tab = home_view(HomeData(fleet, NOW, Role.ADMIN, POLICY, found, extras))
    assert_valid_view(tab, "home")
