"""`/fsync config enabled=off` stops the whole fleet and a `conflict_resolution` change alters
how every conflict is handled: both ask first, as protected workspaces do, and change nothing
until the admin presses the confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack.ids import Action
from tests.firsthour.roles_team import ADMIN, Team, buttons, shown, start_team
from tests.support.simproc import SimProcess


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


def sim_config(team: Team) -> dict[str, Any]:
    return team.sim.client().get("/v1/terraform/sync/config").raise_for_status().json()


@pytest.mark.parametrize(
    ("text", "key", "value", "why"),
    [
        ("config enabled=off", "enabled", False, "whole fleet"),
        (
            "config conflict_resolution=accept_remote",
            "conflict_resolution",
            "accept_remote",
            "accept_remote",
        ),
    ],
)
def test_a_fleet_wide_change_asks_first(
    team: Team, text: str, key: str, value: object, why: str
) -> None:
    before = sim_config(team)
    answer = team.answer(text, user=ADMIN)
    (confirm,) = buttons(answer)
    assert confirm["action_id"] == Action.CONFIG_CONFIRMED and "confirm" in confirm
    assert why in shown(answer)
    assert sim_config(team)[key] == before[key]  # nothing changed yet
    assert [w for w in team.sim_writes() if w["method"] == "PUT"] == []
    (told, *_) = team.click(confirm, user=ADMIN)
    assert "changed the global config" in shown(told), shown(told)
    assert sim_config(team)[key] == value


def test_turning_the_fleet_back_on_does_not_ask(team: Team) -> None:
    said = team.ask("config enabled=on", user=ADMIN)  # already on: nothing to confirm
    assert "Nothing to change" in said and "Are you sure" not in said
