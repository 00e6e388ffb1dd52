"""Answers only the asker sees carry only the buttons the asker's role can use: a viewer gets no
Sync now or Edit config, an operator no Edit config and no Sync now on a protected workspace,
and resolution buttons go only to those who may resolve."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.ids import Action
from tests.firsthour.roles_team import ADMIN, OPERATOR, VIEWER, Team, buttons, start_team
from tests.support import slackreq
from tests.support.simproc import SimProcess

SYNC = {Action.SYNC, Action.SYNC_CONFIRMED}


@pytest.fixture
def team(tmp_path: Path, sim: SimProcess) -> Iterator[Team]:
    yield from start_team(tmp_path, sim)


def action_ids(team: Team, text: str, user: str) -> set[str]:
    return {b["action_id"] for b in buttons(team.answer(text, user=user))}


def resolving(ids: set[str]) -> bool:
    return any(i.startswith(Action.RESOLVE) for i in ids)


@pytest.mark.parametrize(
    ("user", "workspace", "sync", "edit"),
    [
        (VIEWER, "dev", False, False),
        (OPERATOR, "dev", True, False),
        (OPERATOR, "production", False, False),
        (ADMIN, "dev", True, True),
        (ADMIN, "production", True, True),
    ],
)
def test_status_shows_only_the_buttons_the_role_can_use(
    team: Team, user: str, workspace: str, sync: bool, edit: bool
) -> None:
    ids = action_ids(team, f"status {workspace}", user)
    assert bool(ids & SYNC) is sync, ids
    assert (Action.EDIT_CONFIG in ids) is edit, ids


@pytest.mark.parametrize(
    ("user", "workspace", "may_resolve"),
    [
        (VIEWER, "dev", False),
        (OPERATOR, "dev", True),
        (OPERATOR, "production", False),
        (ADMIN, "production", True),
    ],
)
def test_resolution_buttons_only_for_those_who_may_resolve(
    team: Team, user: str, workspace: str, may_resolve: bool
) -> None:
    team.sim.control("POST", f"/_sim/workspaces/{workspace}/state", {"status": "conflict"})
    answer = team.answer(f"conflicts {workspace}", user=user)
    assert "Conflict in" in str(answer)  # the conflict itself is shown to everyone
    assert resolving({b["action_id"] for b in buttons(answer)}) is may_resolve
    # The Conflicts button of `/fsync status` opens the same list, with the same rule.
    (show,) = [
        b
        for b in buttons(team.answer(f"status {workspace}", user=user))
        if b["action_id"] == Action.SHOW_CONFLICTS
    ]
    (listing, *_) = team.click(show, user=user)
    assert resolving({b["action_id"] for b in buttons(listing)}) is may_resolve


def test_the_home_tab_of_a_viewer_has_no_buttons_to_act(team: Team) -> None:
    team.sim.control("POST", "/_sim/workspaces/dev/state", {"status": "conflict"})
    for user, may_act in ((VIEWER, False), (OPERATOR, True)):
        body = json.dumps(slackreq.home_opened(user))
        headers = {**slackreq.sign(body), "Content-Type": "application/json"}
        assert team.fsync.dispatch(body, headers).status == 200
        (home,) = team.slack.wait_for("views.publish", lambda c, u=user: c.args["user_id"] == u)
        ids = {b["action_id"] for b in buttons(home.args["view"])}
        assert Action.REFRESH_HOME in ids
        assert bool(ids & SYNC) is may_act and resolving(ids) is may_act, (user, ids)
        assert Action.EDIT_CONFIG not in ids
