"""What people type: one "did you mean" wherever a workspace is named (and for commands),
`/fsync config <workspace>` on its own shows it, and subscribing adds event kinds to a route
rather than replacing them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.firsthour.roles_team import ADMIN, OPERATOR, VIEWER, Team, start_team
from tests.support.simproc import SimProcess


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("sync stagin", "staging"),
        ("sync stagng", "staging"),
        ("sync billing", "billing-api"),
        ("status billing", "billing-api"),
        ("status stagin", "staging"),
        ("conflicts stagng", "staging"),
        ("audit stagng", "staging"),
        ("config stagng", "staging"),
        ("config stagng interval=15m", "staging"),
    ],
)
def test_a_mistyped_workspace_gets_one_suggestion(team: Team, text: str, meant: str) -> None:
    said = team.ask(text, user=OPERATOR if text.startswith("sync") else ADMIN)
    typed = text.split()[1]
    assert f"No workspace named `{typed}`" in said, said
    assert f"Did you mean `{meant}`?" in said, said
    assert "No open conflicts" not in said
    # The suggestion, not the whole fleet: no other workspace is listed.
    others = {"production", "networking", "observability", "sandbox", "data-platform"}
    assert not [name for name in others if name in said], said


def test_subscribing_to_a_pattern_that_matches_nothing_is_allowed_but_said(team: Team) -> None:
    said = team.ask("subscribe stagng", user=OPERATOR)
    assert "Subscribed" in said
    assert "matches no workspace" in said and "Did you mean `staging`?" in said, said
    said = team.ask("subscribe stag*", user=OPERATOR)
    assert "matches no workspace" not in said


def test_muting_a_pattern_that_matches_nothing_suggests_the_near_name(team: Team) -> None:
    said = team.ask("mute stagng 1h", user=OPERATOR)
    assert "Did you mean `staging`?" in said, said
    said = team.ask("mute stag* 1h", user=OPERATOR)
    assert "It covers 1 workspace" in said or "staging" in said


@pytest.mark.parametrize(("typed", "meant"), [("stauts", "status"), ("subscibe", "subscribe")])
def test_an_unknown_subcommand_gets_a_suggestion(team: Team, typed: str, meant: str) -> None:
    said = team.ask(f"{typed} dev", user=VIEWER)
    assert f"Did you mean `/fsync {meant}`" in said, said  # best first


def test_config_of_one_workspace_shows_it(team: Team) -> None:
    said = team.ask("config staging", user=VIEWER)
    assert "staging" in said and "5m" in said and "auto" in said, said
    assert "Say what to change" not in said and "production" not in said


def routes_of(team: Team) -> str:
    return team.ask("subscriptions", user=VIEWER)


def test_subscribe_adds_event_kinds_and_unsubscribe_removes_them(team: Team) -> None:
    team.ask("subscribe dev* failed recovered", user=OPERATOR)
    said = team.ask("subscribe dev* conflict", user=OPERATOR)
    assert "conflict, failed, recovered" in said, said
    assert "`dev*` (conflict, failed, recovered)" in routes_of(team)
    said = team.ask("unsubscribe dev* conflict", user=OPERATOR)
    assert "failed, recovered" in said and "no longer" in said, said
    assert "`dev*` (failed, recovered)" in routes_of(team)
    team.ask("unsubscribe dev* failed recovered", user=OPERATOR)
    assert "`dev*`" not in routes_of(team)
    team.ask("subscribe dev* failed", user=OPERATOR)
    team.ask("unsubscribe dev*", user=OPERATOR)  # no kinds: the whole route goes
    assert "`dev*`" not in routes_of(team)
