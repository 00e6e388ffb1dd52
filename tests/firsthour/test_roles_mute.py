"""Operators act only on workspaces that are not protected: a mute (or unmute) whose pattern
reaches a protected workspace, or the whole fleet, takes an admin, and the refusal says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.alerts import route_repo
from tests.firsthour.roles_team import ADMIN, OPERATOR, Team, start_team
from tests.support.simproc import SimProcess


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


def active_mutes(team: Team) -> list[str]:
    now = team.fsync.deps.clock()
    return [m.glob for m in route_repo.mutes(team.fsync.deps.store.db) if m.until > now]


@pytest.mark.parametrize(
    "pattern",
    [
        "*",  # the whole fleet, protected workspaces included
        "production",  # a protected workspace of today's fleet
        "prod*",  # the protected glob itself
        "prod-eu*",  # no such workspace today, but any that appears would be protected
        "p*",
    ],
)
def test_an_operator_cannot_silence_protected_workspaces(team: Team, pattern: str) -> None:
    said = team.ask(f"mute {pattern} 30d silence everything", user=OPERATOR)
    assert "admin role" in said, said
    assert f"<@{ADMIN}>" in said  # who to ask
    assert "Muted" not in said
    assert active_mutes(team) == []
    refused = [e for e in team.audit() if e["action"] == "mute"]
    assert [e["outcome"] for e in refused] == ["denied"]


@pytest.mark.parametrize("pattern", ["dev", "stag*", "billing-api"])
def test_an_operator_may_mute_what_is_not_protected(team: Team, pattern: str) -> None:
    said = team.ask(f"mute {pattern} 1h planned work", user=OPERATOR)
    assert "Muted" in said and "admin role" not in said
    assert active_mutes(team) == [pattern]


def test_an_admin_may_mute_everything_and_only_an_admin_may_unmute_it(team: Team) -> None:
    assert "Muted" in team.ask("mute * 30d silence everything", user=ADMIN)
    said = team.ask("unmute *", user=OPERATOR)
    assert "admin role" in said and f"<@{ADMIN}>" in said
    assert active_mutes(team) == ["*"]
    assert "has ended" in team.ask("unmute *", user=ADMIN)
    assert active_mutes(team) == []


@pytest.fixture
def fleet_wide(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    # Nothing of today's fleet is protected: only `ws-*` would be.
    yield from start_team(tmp_path, sim, protected=["ws-*"])


def test_a_pattern_covering_the_whole_fleet_takes_an_admin(fleet_wide: Team) -> None:
    said = fleet_wide.ask("mute [a-s]* 2h", user=OPERATOR)  # every workspace starts with a-s
    assert "admin role" in said and "whole fleet" in said, said
    assert active_mutes(fleet_wide) == []
    assert "Muted" in fleet_wide.ask("mute dev 2h", user=OPERATOR)
