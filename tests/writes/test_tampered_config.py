"""Admin input is validated too: a config change carried by a button value or a modal's
private_metadata, or a select the modal never offered, is refused plainly and never reaches a PUT.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.ids import Action, ActionValue, Block, View
from bot.slack.modals import Meta
from tests.writes.conftest import ADMIN, InApp
from tests.writes.test_audit_before_send import audit_rows, text_of

NOT_OURS = "That confirmation was not one fsync made"
TAMPERED: dict[str, Any] = {
    "not a yes or no": {"enabled": "maybe"},
    "unknown key": {"evil": 1},
    "known and unknown": {"auto_apply": True, "evil": 1},
    "null": {"auto_apply": None},
    "bad interval": {"sync_interval": "soon"},
    "nothing": {},
}


def puts(inapp: InApp) -> list[dict[str, Any]]:
    return [r for r in inapp.writes() if r["method"] == "PUT"]


@pytest.mark.parametrize("workspace", ["production", None])
@pytest.mark.parametrize("case", TAMPERED)
def test_a_tampered_confirm_button_is_refused_and_nothing_is_put(
    inapp: InApp, case: str, workspace: str | None
) -> None:
    value = ActionValue(workspace=workspace, changes=TAMPERED[case]).encode()
    (answer,) = inapp.replies(inapp.click(Action.CONFIG_CONFIRMED, value))
    assert NOT_OURS in text_of(answer) and "nothing was changed" in text_of(answer)
    assert "Something broke" not in text_of(answer)
    assert puts(inapp) == []
    (row,) = audit_rows(inapp, "config")
    assert row["outcome"] == "error" and row["user_id"] == ADMIN


def test_a_confirm_button_whose_changes_are_not_an_object_is_refused(inapp: InApp) -> None:
    value = '{"w":"production","ch":"auto_apply=on"}'
    (answer,) = inapp.replies(inapp.click(Action.CONFIG_CONFIRMED, value))
    assert NOT_OURS in text_of(answer) and "Something broke" not in text_of(answer)
    assert puts(inapp) == []


@pytest.mark.parametrize("case", TAMPERED)
def test_a_tampered_confirm_modal_is_refused_and_nothing_is_put(inapp: InApp, case: str) -> None:
    meta = Meta(workspace="production", channel="CCHAN0001", changes=TAMPERED[case]).encode()
    assert inapp.submit(View.CONFIRM_AUTO_APPLY, {}, meta) == {}
    (told,) = inapp.slack.wait_for("chat.postEphemeral")
    assert NOT_OURS in text_of(told.args) and "Something broke" not in text_of(told.args)
    assert puts(inapp) == []


def test_a_confirm_modal_with_unreadable_metadata_is_refused(inapp: InApp) -> None:
    assert inapp.submit(View.CONFIRM_AUTO_APPLY, {}, '{"w": 3, "changes": "all"}') == {}
    (told,) = inapp.slack.wait_for("chat.postMessage")  # no channel to trust: a DM
    assert told.args["channel"] == ADMIN
    assert NOT_OURS in text_of(told.args) and "Something broke" not in text_of(told.args)
    assert puts(inapp) == []


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


@pytest.mark.parametrize("block", [Block.ENABLED, Block.AUTO_APPLY])
def test_a_select_value_the_modal_never_offered_is_a_field_error(inapp: InApp, block: str) -> None:
    values = {
        Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "5m"}},
        Block.ENABLED: {Block.ENABLED: select("on")},
        Block.AUTO_APPLY: {Block.AUTO_APPLY: select("on")},
    }
    values[block] = {block: select("maybe")}
    inapp.deps.service.fleet()  # dev is known to have auto_apply on: no confirmation step
    answer = inapp.submit(View.EDIT_CONFIG, values, Meta(workspace="dev").encode())
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block] and "On or Off" in answer["errors"][block]
    assert puts(inapp) == []
    config = inapp.sim.api.get("/v1/terraform/sync/config").json()
    assert config["workspaces"]["dev"]["enabled"] is True
    assert config["workspaces"]["dev"]["auto_apply"] is True


def test_no_python_repr_reaches_slack_from_the_audit_log(inapp: InApp) -> None:
    inapp.replies(inapp.command("config dev interval=15m auto_apply=off"))
    (answer,) = inapp.replies(inapp.command("audit dev"))
    shown = text_of(answer)
    assert "interval 5m → 15m" in shown and "auto-apply on → off" in shown
    assert "{'" not in shown and "True" not in shown and "False" not in shown
