"""Button values: readable field names in the code, the old one- and two-letter keys on the wire,
so buttons posted in channels before the fields had names still work when clicked."""

from __future__ import annotations

import json

import pytest

from bot.errors import StaleAction
from bot.slack.ids import Action, ActionValue
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync
from tests.slack.test_edge import sync_triggers
from tests.support import slackreq
from tests.support.botproc import ADMIN
from tests.support.simproc import SimProcess

# Exactly what cards posted by earlier versions carry (written out, not built by `encode`).
OLD = '{"w":"production","c":"cf-42","r":"apply_desired","p":3,"ch":{"auto_apply":true}}'


def test_a_value_posted_with_short_keys_decodes_to_named_fields() -> None:
    value = ActionValue.decode(OLD)
    assert value.workspace == "production"
    assert value.conflict_id == "cf-42"
    assert value.resolution == "apply_desired"
    assert value.page == 3
    assert value.changes == {"auto_apply": True}


def test_encode_writes_the_short_keys_and_stays_under_slacks_limit() -> None:
    value = ActionValue(
        workspace="w" * 90,
        conflict_id="c" * 64,
        resolution="apply_desired",
        page=999,
        changes={"enabled": True, "interval": 3600, "auto_apply": False},
    )
    raw = value.encode()
    assert set(json.loads(raw)) == {"w", "c", "r", "p", "ch"}
    assert len(raw) < 2000
    assert ActionValue.decode(raw) == value  # and it reads back whole


def test_unset_fields_are_left_off_the_wire() -> None:
    assert ActionValue(page=2).encode() == '{"p":2}'


@pytest.mark.parametrize("raw", ["not json", '{"p":"many"}', "[1]"])
def test_a_mangled_value_is_a_stale_button_not_a_crash(raw: str) -> None:
    with pytest.raises(StaleAction):
        ActionValue.decode(raw)


def test_an_old_sync_button_still_syncs_its_workspace(
    fsync: Fsync, slack: FakeSlack, sim: SimProcess
) -> None:
    payload = slackreq.action_payload(
        Action.SYNC_CONFIRMED,
        '{"w":"production"}',
        user=ADMIN,
        channel="CCHAN0001",
        response_url=slack.response_url("old"),
    )
    assert fsync.dispatch(slackreq.interactive_body(payload)).status == 200
    fsync.drain()
    (trigger,) = sync_triggers(sim)
    assert "production" in json.dumps(trigger)
