"""`/fsync report` and `/fsync digest` through the real app (signed requests, App.dispatch, the
fake Slack that refuses invalid Block Kit): who may do what, and what each person sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.slack import blockkit
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, team_settings
from tests.support import slackreq
from tests.support.botproc import ADMIN, OPERATOR, VIEWER
from tests.support.postgres import settings_for
from tests.support.simproc import SimProcess


@pytest.fixture
def settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack, database: str) -> Settings:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return team_settings(tmp_path, sim, slack, **settings_for(database))


CHANNEL = "C1"


def command(fsync: Fsync, slack: FakeSlack, text: str, user: str, name: str) -> dict[str, Any]:
    """Run `/fsync <text>`; the answer only `user` sees (the ack's, else the response_url's)."""
    body = slackreq.command_body(
        text, user=user, channel=CHANNEL, response_url=slack.response_url(name)
    )
    acked = fsync.dispatch(body)
    if acked.body:
        return json.loads(acked.body)
    (answer,) = slack.wait_for("response_url", lambda c: c.args["_path"].endswith(f"/{name}"))
    assert not slack.invalid, slack.invalid  # the fake Slack took every message
    return answer.args


def said(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_anyone_gets_the_report_and_only_they_see_it(fsync: Fsync, slack: FakeSlack) -> None:
    answer = command(fsync, slack, "report 30d", VIEWER, "r30")
    assert "fsync report, last 30 days" in said(answer)
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert not blockkit.message_problems(answer)
    assert slack.posts_in(CHANNEL) == []  # nothing said in the channel


def test_an_operator_schedules_a_digest_and_the_channel_is_told(
    fsync: Fsync, slack: FakeSlack
) -> None:
    answer = command(fsync, slack, "digest weekly 09:00 Europe/Madrid", OPERATOR, "set")
    assert "every Monday at 09:00 (Europe/Madrid)" in said(answer)
    (line,) = slack.posts_in(CHANNEL)
    assert OPERATOR in said(line.args) and "every Monday at 09:00" in said(line.args)

    shown = command(fsync, slack, "digest", VIEWER, "show")
    assert "every Monday at 09:00 (Europe/Madrid)" in said(shown)

    off = command(fsync, slack, "digest off", ADMIN, "off")
    assert "No more scheduled digests" in said(off)
    assert "turned off the scheduled fsync digest" in said(slack.posts_in(CHANNEL)[-1].args)
    assert "no scheduled digest" in said(command(fsync, slack, "digest", VIEWER, "gone"))


def test_a_viewer_may_not_schedule_a_digest(fsync: Fsync, slack: FakeSlack) -> None:
    answer = command(fsync, slack, "digest daily 09:00", VIEWER, "viewer")
    assert "operator" in said(answer).lower()
    assert slack.posts_in(CHANNEL) == []
    assert "no scheduled digest" in said(command(fsync, slack, "digest", VIEWER, "after"))


def test_a_bad_time_or_zone_says_what_to_type(fsync: Fsync, slack: FakeSlack) -> None:
    for text in ("digest daily 9am", "digest weekly 09:00 Europe/Madird", "digest hourly"):
        answer = command(fsync, slack, text, OPERATOR, "bad")
        assert "/fsync digest daily|weekly &lt;HH:MM&gt; [time zone]" in said(answer), text
        assert "Traceback" not in said(answer)
    assert slack.posts_in(CHANNEL) == []


def test_a_channel_fsync_cannot_post_in_gets_no_digest(fsync: Fsync, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", error="not_in_channel", channel=CHANNEL)
    answer = command(fsync, slack, "digest daily 09:00", OPERATOR, "private")
    assert "`/invite @fsync`" in said(answer) and "no digest was set" in said(answer)
    assert "no scheduled digest" in said(command(fsync, slack, "digest", VIEWER, "none"))
