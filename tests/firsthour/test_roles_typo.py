"""A mistyped workspace is caught before anything else: no protected-workspace dialog for a
name that does not exist, no confirmed sync of it in the audit, and the closest name offered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.firsthour.roles_team import ADMIN, OPERATOR, VIEWER, Team, buttons, start_team
from tests.support.simproc import SimProcess


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


@pytest.mark.parametrize("user", [ADMIN, OPERATOR, VIEWER])
def test_a_typo_in_sync_is_caught_before_the_confirm_step(team: Team, user: str) -> None:
    answer = team.answer("sync prodution", user=user)
    said = str(answer)
    assert "No workspace named `prodution`" in said and "Did you mean `production`" in said
    assert "protected" not in said and "role" not in said
    assert buttons(answer) == []
    assert [e for e in team.audit() if e["action"] == "sync"] == []
    assert team.sim_writes() == []


def test_a_typo_in_config_is_not_audited_as_a_config_change(team: Team) -> None:
    said = team.ask("config stagin interval=15m", user=ADMIN)
    assert "Did you mean `staging`" in said
    assert [e for e in team.audit() if e["action"] == "config"] == []
