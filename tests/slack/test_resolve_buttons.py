"""Resolution buttons through `App.dispatch`: signed requests into the real Bolt app, the session
simulator behind it and a fake Slack that refuses what Slack refuses.

Each button has its own action_id (`fsync_resolve:ignore_once`), because Slack answers
`invalid_blocks` to a block with two equal ones; cards posted before that change carry the plain
`fsync_resolve` / `fsync_resolve_confirmed` and must still work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot import wiring
from bot.app import build_app
from bot.slack.ids import Action
from tests.fakes import FakeSlack
from tests.slack.conftest import team_settings
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.simproc import SimProcess

ADMIN, OPERATOR, CHANNEL = "UADMIN001", "UOPER0001", "CCHAN0001"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Harness:
    app: App
    slack: FakeSlack
    sim: SimProcess
    user: str  # resolving on a protected workspace takes the admin role
    clicks: int = 0

    def dispatch(self, body: str) -> None:
        assert dispatch_signed(self.app, body).status == 200

    def listing(self, workspace: str) -> dict[str, Any]:
        """`/fsync conflicts <workspace>`: the ephemeral answer, as the response_url got it."""
        url = self.slack.response_url("listing")
        self.dispatch(
            slackreq.command_body(
                f"conflicts {workspace}", user=self.user, channel=CHANNEL, response_url=url
            )
        )
        (answer,) = self.slack.wait_for(
            "response_url", lambda c: c.args["_path"] == "/response/listing"
        )
        return answer.args

    def click(self, button: dict[str, Any], message: dict[str, Any]) -> str:
        self.clicks += 1
        name = f"click-{self.clicks}"
        payload = slackreq.action_payload(
            button["action_id"],
            button["value"],
            user=self.user,
            channel=CHANNEL,
            response_url=self.slack.response_url(name),
            message=message,
        )
        self.dispatch(slackreq.interactive_body(payload))
        return name

    def conflict(self, conflict_id: str) -> dict[str, Any]:
        answer = self.sim.api.get(f"/v1/terraform/sync/conflicts/{conflict_id}")
        return answer.raise_for_status().json()


@pytest.fixture(params=[False, True], ids=["open", "protected"])
def protected(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def harness(sim: SimProcess, tmp_path: Path, protected: bool) -> Iterator[Harness]:
    slack = FakeSlack().start()
    settings = team_settings(
        tmp_path, sim, slack, protected=["networking"] if protected else ["prod*"]
    )
    deps = wiring.build(settings)
    pool = ThreadPoolExecutor(4, thread_name_prefix="listener")
    try:
        app = build_app(deps, token_verification=False, executor=pool)
        yield Harness(app, slack, sim, ADMIN if protected else OPERATOR)
    finally:
        pool.shutdown(wait=True)
        deps.stop_background()
        slack.stop()


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def labelled(payload: dict[str, Any], label: str) -> dict[str, Any]:
    return next(b for b in buttons(payload) if b["text"]["text"] == label)


def post(slack: FakeSlack, payload: dict[str, Any]) -> dict[str, Any]:
    """Post `payload` in the channel as the bot would (the fake Slack validates it)."""
    client = WebClient(base_url=slack.api_url, token="xoxb-dispatch-test")
    posted = client.chat_postMessage(
        channel=CHANNEL, text=payload["text"], blocks=payload["blocks"]
    )
    return {"ts": posted["ts"], "text": payload["text"], "blocks": payload["blocks"]}


def legacy(payload: dict[str, Any]) -> dict[str, Any]:
    """The same card as fsync posted it before: every resolution button one plain action_id."""
    blocks = json.loads(json.dumps(payload["blocks"]))
    for element in [e for b in blocks if b["type"] == "actions" for e in b["elements"]]:
        prefix = element["action_id"].split(":")[0]
        if prefix in (Action.RESOLVE, Action.RESOLVE_CONFIRMED):
            element["action_id"] = prefix
    return {**payload, "blocks": blocks}


def resolved_card(harness: Harness) -> dict[str, Any]:
    (update,) = harness.slack.wait_for("chat.update")
    return update.args


def test_each_resolution_button_has_its_own_action_id_and_resolves_the_conflict(
    harness: Harness, protected: bool
) -> None:
    listing = harness.listing("networking")
    ids = [b["action_id"] for b in buttons(listing)]
    prefix = Action.RESOLVE_CONFIRMED if protected else Action.RESOLVE
    assert ids == [
        f"{prefix}:{r}" for r in ("apply_desired", "accept_remote", "ignore_once", "abort")
    ]
    card = post(harness.slack, listing)  # refused with invalid_blocks before the change
    ignore = labelled(card, "Ignore this time")
    harness.click(ignore, card)
    update = resolved_card(harness)
    assert f"Resolved by <@{harness.user}>: ignore this time" in json.dumps(update["blocks"])
    assert not buttons(update)
    conflict = harness.conflict(json.loads(ignore["value"])["c"])
    assert conflict["status"] != "open" and conflict["resolution"] == "ignore_once"
    assert harness.slack.invalid == []


def test_a_card_posted_with_the_old_shared_action_id_still_resolves(
    harness: Harness, protected: bool
) -> None:
    listing = harness.listing("networking")
    old = legacy(listing)
    abort = labelled(old, "Abort the run")
    assert abort["action_id"] == (Action.RESOLVE_CONFIRMED if protected else Action.RESOLVE)
    # Already in the channel (Slack took such cards before it was this strict with fsync's).
    ts = "1600000000.000100"
    with harness.slack.lock:
        harness.slack.messages[(CHANNEL, ts)] = {**old, "channel": CHANNEL, "ts": ts}
    harness.click(abort, {**old, "ts": ts})
    update = resolved_card(harness)
    assert f"Resolved by <@{harness.user}>: abort the run" in json.dumps(update["blocks"])
    conflict = harness.conflict(json.loads(abort["value"])["c"])
    assert conflict["status"] != "open" and conflict["resolution"] == "abort"
    assert harness.slack.invalid == []


@pytest.mark.parametrize("protected", [True], ids=["protected"])
def test_an_unconfirmed_old_button_on_a_protected_workspace_still_asks_first(
    harness: Harness,
) -> None:
    listing = harness.listing("networking")
    abort = {**labelled(listing, "Abort the run"), "action_id": Action.RESOLVE}
    name = harness.click(abort, {"ts": "1.1", "text": "x", "blocks": []})
    (prompt,) = harness.slack.wait_for("response_url", lambda c: c.args["_path"].endswith(name))
    (confirm,) = buttons(prompt.args)
    assert confirm["action_id"] == f"{Action.RESOLVE_CONFIRMED}:abort" and "confirm" in confirm
    assert harness.conflict(json.loads(abort["value"])["c"])["status"] == "open"
    assert harness.slack.invalid == []
