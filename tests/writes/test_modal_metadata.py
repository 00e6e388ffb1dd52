"""The Edit config modal's private_metadata: `Meta.workspace` in code, the short key `w` on the
wire, so a modal opened by an older fsync (still open in someone's Slack) saves all the same."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import modals
from bot.slack.ids import Block, View
from tests.writes.conftest import InApp

OLD_MODAL = '{"w":"dev","channel":"CCHAN0001","changes":null}'  # as fsync wrote it before


def test_the_modals_keep_the_short_key_on_the_wire() -> None:
    editing = modals.config_view(
        "staging", enabled=True, interval="10m", auto_apply=False, channel="C1"
    )
    assert json.loads(editing["private_metadata"]) == {
        "w": "staging",
        "channel": "C1",
        "changes": None,
    }
    meta = modals.Meta(workspace="production", channel="C1", changes={"auto_apply": True})
    confirming = json.loads(modals.confirm_view(meta)["private_metadata"])
    assert confirming == {"w": "production", "channel": "C1", "changes": {"auto_apply": True}}
    assert modals.Meta.model_validate_json(meta.encode()) == meta


def test_metadata_written_before_the_field_had_a_name_decodes() -> None:
    meta = modals.Meta.model_validate_json(OLD_MODAL)
    assert (meta.workspace, meta.channel, meta.changes) == ("dev", "CCHAN0001", None)


def test_a_modal_opened_by_an_older_fsync_still_saves(inapp: InApp) -> None:
    values: dict[str, Any] = {
        Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "15m"}},
        Block.ENABLED: {
            Block.ENABLED: {"type": "static_select", "selected_option": {"value": "on"}}
        },
    }
    assert inapp.submit(View.EDIT_CONFIG, values, OLD_MODAL) == {}
    (told,) = inapp.slack.wait_for("chat.postEphemeral")
    assert "15m" in json.dumps(told.args)
    config = inapp.sim.api.get("/v1/terraform/sync/config").json()
    assert config["workspaces"]["dev"]["sync_interval"] == "15m"
