"""Every /fsync command and click is counted by name and outcome, and every ack's latency, as
`GET /metrics` shows them: signed requests through fsync's own HTTP edge, in this process."""

from __future__ import annotations

from bot.slack.ids import Action
from tests.fakes import FakeSlack
from tests.support import slackreq
from tests.support.botproc import ADMIN
from tests.support.scrape import samples

from .conftest import Fsync

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
VIEWER = "UVIEW0001"


def post(fsync: Fsync, body: str) -> None:
    answer = fsync.post(body, {**slackreq.sign(body), **FORM})
    assert answer.status == 200


def command(fsync: Fsync, slack: FakeSlack, text: str, user: str = ADMIN) -> None:
    url = slack.response_url("metrics")
    post(fsync, slackreq.command_body(text, user=user, channel="C1", response_url=url))


def test_commands_and_clicks_by_name_and_outcome_and_every_ack_timed(
    fsync: Fsync, slack: FakeSlack
) -> None:
    command(fsync, slack, "status")
    command(fsync, slack, "sync")  # no workspace: a usage error, said in the ack
    command(fsync, slack, "sync staging", user=VIEWER)  # a viewer may not sync
    command(fsync, slack, "frobnicate staging")
    click = slackreq.home_action_payload(Action.REFRESH_HOME, "", user=ADMIN)
    post(fsync, slackreq.interactive_body(click))
    fsync.drain()

    got = samples(fsync.deps.metrics.scrape().decode())
    assert got['fsync_commands_total{name="status",outcome="ok"}'] == 1
    assert got['fsync_commands_total{name="sync",outcome="refused"}'] == 2
    assert got['fsync_commands_total{name="unknown",outcome="refused"}'] == 1
    assert got['fsync_clicks_total{action="fsync_refresh_home",outcome="ok"}'] == 1
    assert got["fsync_ack_latency_seconds_count"] == 5
    assert 0 < got["fsync_ack_latency_seconds_sum"] < 5 * 3.0
    assert not any("staging" in key or VIEWER in key for key in got)
