"""Once per click and per event: a click or an event that arrives again is acknowledged and
ignored, through App.dispatch in HTTP and in Socket Mode, and the record survives a restart."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.slack import once
from bot.slack.ids import Action, ActionValue
from bot.store import Store
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync
from tests.slack.test_edge import sync_triggers
from tests.support import slackreq
from tests.support.botproc import ADMIN
from tests.support.simproc import SimProcess


def test_seen_says_first_once_and_forgets_after_its_window(database: str) -> None:
    now = [1000.0]
    seen = once.SeenRequests(Store(database), clock=lambda: now[0])
    assert [seen.first("a"), seen.first("a"), seen.first("b")] == [True, False, True]
    now[0] += once.WINDOW + 1
    assert seen.first("a") is True  # the old rows are gone: the table stays bounded
    rows = seen.store.db.execute("SELECT key FROM seen_requests").fetchall()
    assert rows == [("a",)]


def test_seen_survives_a_new_store_on_the_same_file(database: str) -> None:
    assert once.SeenRequests(Store(database)).first("sig:x") is True
    assert once.SeenRequests(Store(database)).first("sig:x") is False


def test_a_locked_database_lets_the_request_through_and_keeps_the_other_writer(
    tmp_path: Path,
) -> None:
    """The check sits before the ack: a lock held elsewhere must neither fail the request nor
    hold it for the store's 10 s busy timeout (the audit refuses a write it cannot record)."""
    seen = once.SeenRequests(Store(tmp_path / "f.db"))
    other = sqlite3.connect(tmp_path / "f.db")
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assert seen.first("click:x") is True
        assert time.monotonic() - started < seen.store.busy_timeout
    finally:
        other.rollback()
        other.close()
    assert seen.first("click:y") is True
    # The store's own patience is back for everything else this thread does.
    assert seen.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def click(action: str, user: str = ADMIN, ts: str = "1.5", message_ts: str = "9.9") -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "actions": [{"action_id": action, "action_ts": ts}],
        "container": {"type": "message", "message_ts": message_ts},
    }


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (click("x"), click("x"), True),
        (click("x"), click("x", user="U2"), False),
        (click("x"), click("y"), False),
        (click("x"), click("x", ts="1.6"), False),
        (click("x"), click("x", message_ts="9.8"), False),
        (
            {"type": "event_callback", "event_id": "Ev1"},
            {"type": "event_callback", "event_id": "Ev1"},
            True,
        ),
        (
            {"type": "event_callback", "event_id": "Ev1"},
            {"type": "event_callback", "event_id": "Ev2"},
            False,
        ),
    ],
)
def test_identity_tells_repeats_from_new_clicks_and_events(a: dict, b: dict, same: bool) -> None:
    assert once.identity(a) is not None
    assert (once.identity(a) == once.identity(b)) is same


@pytest.mark.parametrize(
    "body",
    [
        {"command": "/fsync", "text": "help"},  # the HTTP edge dedupes commands on signature
        {"type": "view_submission", "view": {}},
        {"type": "block_actions", "actions": [{"action_id": "x"}]},  # no action_ts
        {"type": "event_callback"},
    ],
)
def test_identity_is_none_where_nothing_tells_a_repeat_apart(body: dict) -> None:
    assert once.identity(body) is None


def confirmed_click(slack: FakeSlack) -> dict[str, Any]:
    return slackreq.action_payload(
        Action.SYNC_CONFIRMED,
        ActionValue(workspace="production").encode(),
        user=ADMIN,
        channel="CCHAN0001",
        response_url=slack.response_url("click"),
    )


@pytest.mark.parametrize("mode", ["http", "socket_mode"])
def test_a_confirmed_click_arriving_three_times_syncs_once(
    mode: str, fsync: Fsync, slack: FakeSlack, sim: SimProcess
) -> None:
    payload = confirmed_click(slack)
    body = slackreq.interactive_body(payload)
    for _ in range(3):
        # HTTP: each a freshly signed request, as a replay with a new timestamp would be.
        answer = fsync.dispatch(body) if mode == "http" else fsync.dispatch(payload)
        assert answer.status == 200
    fsync.drain()
    assert len(sync_triggers(sim)) == 1
    assert len(slack.posts_in("CCHAN0001")) == 1  # the card; its requester's DM is elsewhere


def test_a_second_click_of_the_same_button_is_a_new_click(
    fsync: Fsync, slack: FakeSlack, sim: SimProcess
) -> None:
    for _ in range(2):
        fsync.dispatch(slackreq.interactive_body(confirmed_click(slack)))  # a new action_ts
    fsync.drain()
    assert len(sync_triggers(sim)) == 2


def test_a_slack_retry_of_an_event_is_ignored(fsync: Fsync, slack: FakeSlack) -> None:
    body = json.dumps({**slackreq.home_opened(ADMIN), "event_id": "EvRETRY1"})
    first = fsync.dispatch(body, {**slackreq.sign(body), "Content-Type": "application/json"})
    retry_headers = {
        **slackreq.sign(body, timestamp=int(time.time()) + 1),
        "Content-Type": "application/json",
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    retry = fsync.dispatch(body, retry_headers)
    assert (first.status, retry.status) == (200, 200)
    fsync.drain()
    assert len(slack.of("views.publish")) == 1


def test_a_click_seen_before_a_restart_is_still_ignored_after_it(
    fsync: Fsync, slack: FakeSlack, sim: SimProcess, settings: Any
) -> None:
    payload = confirmed_click(slack)
    fsync.dispatch(payload)
    fsync.stop()
    again = start_fsync(settings, slack)
    try:
        assert again.dispatch(payload).status == 200
        again.drain()
    finally:
        again.stop()
    assert len(sync_triggers(sim)) == 1
