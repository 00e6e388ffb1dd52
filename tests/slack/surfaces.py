"""The surfaces that show a workspace or a conflict, built from plain data for view tests."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts.model import Episode
from bot.core.authz import Policy, Role
from bot.core.fleet import FleetView
from bot.firestartr.models import Conflict, Workspace
from bot.slack import alert_cards as cards
from bot.slack.home import HomeData, home_view

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = Policy(frozenset({"UADMIN"}), frozenset({"UOPER"}), ("prod*",))
FOUR = ["apply_desired", "accept_remote", "ignore_once", "abort"]


def ws(name: str, status: str = "success", **kw: Any) -> Workspace:
    return Workspace(
        name=name,
        status=status,
        last_sync=NOW - timedelta(minutes=3),
        next_sync=NOW + timedelta(minutes=7),
        sync_interval="10m",
        **kw,
    )


def conflict(workspace: str, **kw: Any) -> Conflict:
    """An open conflict offering the four resolutions the Sync API knows."""
    fields: dict[str, Any] = {
        "id": f"cfl_{zlib.crc32(workspace.encode()):08x}",
        "workspace": workspace,
        "summary": "2 resources changed",
        "resources": [
            {
                "address": "aws_vpn_connection.office",
                "changed_attributes": [{"path": "psk", "desired": "a", "actual": "b"}],
            }
        ],
        "allowed_resolutions": FOUR,
        **kw,
    }
    return Conflict.model_validate(fields)


def home(fleet: list[Workspace], found: list[Conflict]) -> dict[str, Any]:
    """The App Home tab an admin sees, every button in it."""
    return home_view(HomeData(FleetView(fleet, NOW, live=True), NOW, Role.ADMIN, POLICY, found))


def alert_card(found: Conflict) -> dict[str, Any]:
    """The alert channel's card for a workspace in conflict, with its resolution buttons."""
    episode = Episode(
        f"ep_{found.workspace}",
        found.workspace or "",
        "conflict",
        NOW,
        status="conflict",
        message="drift",
        conflicts=(found.model_dump(mode="json"),),
    )
    return cards.episode_card(episode, POLICY)
