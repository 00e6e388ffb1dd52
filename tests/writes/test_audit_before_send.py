"""Writes and their audit record agree: no audit row, no request to the Sync API; a request the
API accepted is always reported as done and always ends up in the audit log.

The database is locked by another connection (`BEGIN EXCLUSIVE`), as a stuck process or a long
backup would; fsync's busy timeout is 0.3 s here, 10 s in production.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.slack.ids import Action, ActionValue, Block, View
from bot.slack.modals import Meta
from tests.support.waiting import wait_until
from tests.writes.conftest import ADMIN, OPERATOR, InApp

NOT_SENT = "could not record this in its audit log (the database is busy), so nothing was sent"


def text_of(payload: dict[str, Any]) -> str:
    return payload.get("text", "") + json.dumps(payload.get("blocks", []), ensure_ascii=False)


def open_conflict(inapp: InApp, workspace: str = "networking") -> str:
    listing = inapp.sim.api.get(
        "/v1/terraform/sync/conflicts", params={"workspace": workspace, "status": "open"}
    )
    return str(listing.json()["conflicts"][0]["id"])


def audit_rows(inapp: InApp, action: str) -> list[dict[str, Any]]:
    return [e for e in inapp.deps.store.audit_entries(limit=50) if e["action"] == action]


def by_command(text: str, user: str = ADMIN) -> Callable[[InApp], dict[str, Any]]:
    def send(inapp: InApp) -> dict[str, Any]:
        (answer,) = inapp.replies(inapp.command(text, user=user))
        return answer

    return send


def by_button(
    action_id: str, value: Callable[[InApp], ActionValue], user: str = ADMIN
) -> Callable[[InApp], dict[str, Any]]:
    def send(inapp: InApp) -> dict[str, Any]:
        (answer,) = inapp.replies(inapp.click(action_id, value(inapp).encode(), user=user))
        return answer

    return send


def by_modal(inapp: InApp) -> dict[str, Any]:
    values = {
        Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "15m"}},
        Block.ENABLED: {
            Block.ENABLED: {"type": "static_select", "selected_option": {"value": "on"}}
        },
    }
    meta = Meta(workspace="dev", channel="CCHAN0001").encode()
    assert inapp.submit(View.EDIT_CONFIG, values, meta) == {}
    (told,) = inapp.slack.wait_for("chat.postEphemeral")
    return told.args


def by_confirm_modal(inapp: InApp) -> dict[str, Any]:
    meta = Meta(workspace="production", channel="CCHAN0001", changes={"auto_apply": True})
    assert inapp.submit(View.CONFIRM_AUTO_APPLY, {}, meta.encode()) == {}
    (told,) = inapp.slack.wait_for("chat.postEphemeral")
    return told.args


WRITES = {
    "sync command": ("sync", by_command("sync dev", user=OPERATOR)),
    "sync button": ("sync", by_button(Action.SYNC, lambda _: ActionValue(workspace="dev"))),
    "sync confirm button": (
        "sync",
        by_button(Action.SYNC_CONFIRMED, lambda _: ActionValue(workspace="production")),
    ),
    "config command": ("config", by_command("config dev interval=15m")),
    "config modal": ("config", by_modal),
    "config confirm button": (
        "config",
        by_button(
            Action.CONFIG_CONFIRMED,
            lambda _: ActionValue(workspace="production", changes={"auto_apply": True}),
        ),
    ),
    "config confirm modal": ("config", by_confirm_modal),
    "resolve button": (
        "resolve",
        by_button(
            Action.RESOLVE,
            lambda app: ActionValue(conflict_id=open_conflict(app), resolution="apply_desired"),
            user=OPERATOR,
        ),
    ),
}


@pytest.mark.parametrize("case", WRITES)
def test_a_write_that_cannot_be_audited_is_not_sent(inapp: InApp, case: str) -> None:
    action, send = WRITES[case]
    inapp.deps.service.fleet()  # the last known state the modal path reads
    inapp.lock.take()
    answer = send(inapp)
    shown = text_of(answer)
    assert NOT_SENT in shown and "Try again in a moment" in shown
    assert "Something broke" not in shown
    assert inapp.writes() == []
    # Once the database is free again, the attempt is in the audit log as an error.
    inapp.lock.release()
    (row,) = wait_until(lambda: audit_rows(inapp, action))
    assert row["outcome"] == "error" and "nothing was sent" in row["detail"]


def sync_card_posted(inapp: InApp) -> str:
    (posted,) = inapp.slack.wait_for("chat.postMessage")
    return text_of(posted.args)


ACCEPTED = {
    "sync command": ("sync", "sync dev", "requested by <@UOPER0001>"),
    "config command": ("config", "config dev interval=15m", "5m → *15m*"),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_write_the_api_accepted_is_done_even_if_its_outcome_cannot_be_written_yet(
    inapp: InApp, case: str
) -> None:
    action, text, done = ACCEPTED[case]
    inapp.transport.hook = inapp.lock.take  # the lock begins right after the API answered
    name = inapp.command(text, user=OPERATOR if action == "sync" else ADMIN)
    shown = sync_card_posted(inapp) if action == "sync" else text_of(inapp.replies(name)[0])
    assert done in shown and "Something broke" not in shown
    assert len(inapp.writes()) == 1
    (row,) = audit_rows(inapp, action)  # the intent, written before the request left
    assert row["outcome"] == "pending"
    (log,) = inapp.replies(inapp.command("audit dev"))
    assert "sent; outcome not recorded yet" in text_of(log)
    inapp.lock.release()
    (row,) = wait_until(lambda: [r for r in audit_rows(inapp, action) if r["outcome"] == "ok"])
    assert len(audit_rows(inapp, action)) == 1


def test_a_resolution_the_api_accepted_is_shown_done_and_audited(inapp: InApp) -> None:
    conflict = open_conflict(inapp)
    inapp.transport.hook = inapp.lock.take
    value = ActionValue(conflict_id=conflict, resolution="apply_desired").encode()
    (answer,) = inapp.replies(inapp.click(Action.RESOLVE, value, user=OPERATOR))
    assert "Resolved by <@UOPER0001>: apply desired state" in text_of(answer)
    assert [r["path"].endswith("/resolve") for r in inapp.writes()] == [True]
    inapp.lock.release()
    (row,) = wait_until(lambda: [r for r in audit_rows(inapp, "resolve") if r["outcome"] == "ok"])
    assert row["args"]["conflict_id"] == conflict
    # The claim that stops a second resolution is kept too.
    wait_until(lambda: (inapp.deps.store.resolution(conflict) or {}).get("state") == "done")
    again = inapp.replies(inapp.click(Action.RESOLVE, value, user=ADMIN))[0]
    assert "already resolved" in text_of(again)
    assert len(inapp.writes()) == 1


def test_a_refusal_is_audited_even_when_the_database_is_busy_at_first(inapp: InApp) -> None:
    inapp.lock.take()
    (answer,) = inapp.replies(inapp.command("config dev interval=15m", user=OPERATOR))
    assert "admin role" in text_of(answer) and "Something broke" not in text_of(answer)
    inapp.lock.release()
    (row,) = wait_until(lambda: audit_rows(inapp, "config"))
    assert row["outcome"] == "denied" and row["user_id"] == OPERATOR
    assert inapp.writes() == []
