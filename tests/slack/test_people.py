"""`/fsync owners`, `/fsync notify` and the requester's DM, through `App.dispatch`: signed
requests into the real Bolt app built by the composition root, the session simulator behind it
and the fake Slack (which posts to a person's ID in their DM, as Slack does)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.settings import Settings
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync, team_settings
from tests.support import slackreq
from tests.support.botproc import ADMIN, OPERATOR, VIEWER
from tests.support.postgres import settings_for
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


@pytest.fixture
def settings(tmp_path: Path, sim: SimProcess, slack: FakeSlack, database: str) -> Settings:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""
    return team_settings(tmp_path, sim, slack, **settings_for(database))


CHANNEL = "CCHAN0001"
ASKED = itertools.count(1)
ANA, PLATFORM = "<@U0ANA|ana>", "<!subteam^S0PLAT|@platform>"


class Asker:
    """Types `/fsync ...` as someone, and reads the answer only they see."""

    def __init__(self, fsync: Fsync, slack: FakeSlack) -> None:
        self.fsync, self.slack = fsync, slack

    def __call__(self, text: str, user: str = OPERATOR) -> str:
        name = f"ask-{next(ASKED)}"  # one response_url per question, whoever asks
        body = slackreq.command_body(
            text, user=user, channel=CHANNEL, response_url=self.slack.response_url(name)
        )
        answer = self.fsync.dispatch(body)
        assert answer.status == 200
        if answer.body:  # refused at the ack: the answer is the ack itself
            return str(json.loads(answer.body)["text"])
        (said,) = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"] == f"/response/{name}"
        )
        return str(said.args["text"]) + json.dumps(said.args.get("blocks"), ensure_ascii=False)


@pytest.fixture
def ask(fsync: Fsync, slack: FakeSlack) -> Asker:
    return Asker(fsync, slack)


def test_an_operator_sets_lists_and_clears_owners_and_each_change_is_audited(
    ask: Asker, fsync: Fsync
) -> None:
    said = ask(f"owners dev* {ANA} {PLATFORM}")
    assert "Owners of `dev*`: <@U0ANA>, <!subteam^S0PLAT> (before: no one)" in said
    assert "dev" in said  # the workspaces it covers today

    listing = ask("owners", user=VIEWER)  # reading is for everyone
    assert "`dev*`: <@U0ANA>, <!subteam^S0PLAT> · set by <@UOPER0001>" in listing

    assert "`dev*` has no owners now (before: <@U0ANA>, <!subteam^S0PLAT>)" in ask(
        "owners dev* none"
    )
    assert "No owners yet" in ask("owners")
    rows = [r for r in fsync.deps.store.audit_entries() if r["action"] == "owners"]
    assert [(r["outcome"], r["args"]["owners"]) for r in rows] == [
        ("ok", []),
        ("ok", ["U0ANA", "S0PLAT"]),
    ]


@pytest.mark.parametrize(
    ("user", "glob", "needs"),
    [
        (VIEWER, "dev*", "you need the operator role"),
        (OPERATOR, "prod*", "you need the admin role"),  # prod* is protected
        (OPERATOR, "*", "which covers the protected workspace `production`"),
        (OPERATOR, "prod-eu*", "which can cover workspaces protected by `prod*`"),
        (OPERATOR, "pro?uction", "you need the admin role"),
    ],
)
def test_owners_of_what_a_role_cannot_reach_are_refused_and_audited(
    ask: Asker, fsync: Fsync, user: str, glob: str, needs: str
) -> None:
    said = ask(f"owners {glob} {ANA}", user=user)
    assert needs in said
    assert "No owners yet" in ask("owners")
    (row,) = [r for r in fsync.deps.store.audit_entries() if r["action"] == "owners"]
    assert row["outcome"] == "denied" and row["user_id"] == user


def test_an_admin_sets_owners_of_a_protected_workspace(ask: Asker) -> None:
    assert "Owners of `prod*`: <@U0ANA>" in ask(f"owners prod* {ANA}", user=ADMIN)


def test_everyone_mentions_are_refused_and_nothing_typed_is_echoed_as_a_mention(
    ask: Asker,
) -> None:
    for special in ("<!channel>", "<!here>", "<!everyone>"):
        said = ask(f"owners dev* {special}")
        assert "would notify everyone" in said
        assert special not in said  # shown as `@channel` text, which calls no one
    said = ask("status <#C0OPS|ops>")
    assert "not a mention like `#ops`" in said and "<#C0OPS" not in said
    assert "No owners yet" in ask("owners")


def test_notify_is_on_until_turned_off_it_persists_and_the_home_tab_shows_it(
    ask: Asker, fsync: Fsync, slack: FakeSlack, settings: Settings
) -> None:
    assert "are *on*" in ask("notify")
    assert "Done: DMs when a sync you started ends are *off*" in ask("notify off")
    fsync.dispatch(json.dumps(slackreq.home_opened(OPERATOR)))
    (home,) = slack.wait_for("views.publish")
    assert "DMs when a sync you started ends: *off*" in json.dumps(home.args["view"])

    again = start_fsync(settings, slack)  # a restart: the setting is in the database
    try:
        assert "are *off*" in Asker(again, slack)("notify")
        assert "are *on*" in Asker(again, slack)("notify on", user=ADMIN)  # theirs alone
    finally:
        again.stop()


def dms_to(slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [c.args for c in slack.posts_in(user)]


def start_sync(fsync: Fsync, slack: FakeSlack, workspace: str = "dev") -> None:
    fsync.dispatch(
        slackreq.command_body(
            f"sync {workspace}", user=OPERATOR, channel=CHANNEL, response_url=slack.response_url()
        )
    )


def sync_and_wait(fsync: Fsync, slack: FakeSlack) -> str:
    """`/fsync sync dev` as the operator, followed to its end; the run's id."""
    start_sync(fsync, slack)
    (card,) = slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == CHANNEL)
    slack.wait_for("chat.update", lambda c: "succeeded" in json.dumps(c.args), timeout=15)
    wait_until(lambda: fsync.deps.follower.following == 0, timeout=10)
    return str(json.dumps(card.args).split("run `")[1].split("`")[0])


def test_a_sync_started_with_the_command_dms_its_requester_once_even_after_a_restart(
    fsync: Fsync, slack: FakeSlack, settings: Settings
) -> None:
    run = sync_and_wait(fsync, slack)
    (dm,) = dms_to(slack, OPERATOR)
    text = json.dumps(dm)
    assert "Your sync of *dev* ended: succeeded after" in text
    assert "|See the card>" in text and f"/archives/{CHANNEL}/p" in text
    assert slack.channel_messages("D" + OPERATOR[1:])  # in the app's DM with them
    assert fsync.deps.requesters is not None
    assert fsync.deps.requesters.dm_status(run) == "sent"

    fsync.stop()
    again = start_fsync(settings, slack)
    try:
        assert again.deps.follower.resume() == 0  # nothing left to follow: no second DM
    finally:
        again.stop()
    assert len(dms_to(slack, OPERATOR)) == 1


def test_notify_off_means_no_dm(ask: Asker, fsync: Fsync, slack: FakeSlack) -> None:
    ask("notify off")
    run = sync_and_wait(fsync, slack)
    assert dms_to(slack, OPERATOR) == []
    assert fsync.deps.requesters is not None
    assert fsync.deps.requesters.dm_status(run) == "off"


def test_a_run_followed_when_fsync_stopped_is_followed_again_and_told_once(
    fsync: Fsync, slack: FakeSlack, settings: Settings
) -> None:
    start_sync(fsync, slack)
    slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == CHANNEL)
    fsync.stop()  # before the run ends (it takes seconds; the follower looks every 2)
    assert dms_to(slack, OPERATOR) == []

    again = start_fsync(settings, slack)
    try:
        assert again.deps.follower.resume() == 1
        slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == OPERATOR, timeout=15)
        wait_until(lambda: again.deps.follower.following == 0, timeout=10)
        assert again.deps.follower.resume() == 0
    finally:
        again.stop()
    assert len(dms_to(slack, OPERATOR)) == 1
    assert "succeeded" in json.dumps(slack.of("chat.update")[-1].args)  # the card caught up


def test_a_conflict_resolution_that_starts_a_run_dms_whoever_clicked_when_it_ends(
    ask: Asker, fsync: Fsync, slack: FakeSlack
) -> None:
    ask("conflicts networking")
    (answer,) = [c.args for c in slack.of("response_url") if "apply_desired" in json.dumps(c.args)]
    button = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].endswith(":apply_desired")
    )
    card = WebClient(base_url=slack.api_url, token="xoxb-t").chat_postMessage(
        channel=CHANNEL, text=answer["text"], blocks=answer["blocks"]
    )
    payload = slackreq.action_payload(
        button["action_id"],
        button["value"],
        user=OPERATOR,
        channel=CHANNEL,
        response_url=slack.response_url("click"),
        message={"ts": card["ts"], "text": answer["text"], "blocks": answer["blocks"]},
    )
    assert fsync.dispatch(slackreq.interactive_body(payload)).status == 200
    (dm,) = slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == OPERATOR, timeout=15)
    assert "Your sync of *networking* ended" in json.dumps(dm.args)
    assert f"<#{CHANNEL}>" in json.dumps(dm.args)  # no card of its own: where it was asked
