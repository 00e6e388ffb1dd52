"""Alerts that keep their story: a recovered card still shows what broke; "Sync now" on a card
is followed in that card's thread; a storm digest reads like the errors people saw.

Black-box: `fsync-bot run` polling the simulator, posting to a fake Slack on loopback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.alerts.historyslack import HistorySlack
from tests.e2e.test_alerts import add, cards_about, set_state, shown, wait_until
from tests.support.alertstack import alert_fixtures
from tests.support.botproc import OPERATOR, BotProcess
from tests.support.simproc import SimProcess

KEY = "sim-key-story-not-a-secret"
ALERTS = "CSTORY"
EC2 = (
    "Error: creating EC2 Instance: UnauthorizedOperation: You are not authorized to perform this "
    "operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm-{n}{n}{n}{n}"
)


sim, slack, bot = alert_fixtures(KEY, ALERTS, sync_seconds="1", workdir="story")


def test_a_recovered_card_keeps_the_last_error_and_the_failure_count(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "st-rec")
    set_state(sim, "st-rec", "failed", "Error: first try <!channel>")
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "st-rec"), what="the card")
    set_state(sim, "st-rec", "failed", "Error: reading S3 Bucket: AccessDenied")
    wait_until(lambda: slack.replies(ALERTS, card["ts"]), what="the new error in the thread")
    set_state(sim, "st-rec", "success")
    wait_until(
        lambda: "back to success" in shown(slack.messages[(ALERTS, card["ts"])]),
        what="the recovered card",
    )
    final = slack.messages[(ALERTS, card["ts"])]
    text = shown(final)
    assert "*Last error* (2 failures before it was back)" in text
    assert "```Error: reading S3 Bucket: AccessDenied```" in text
    assert "<!channel>" not in slack.everything_sent()
    assert slack.invalid == []


def test_sync_now_on_an_alert_card_is_followed_in_its_thread(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "st-sync")
    set_state(sim, "st-sync", "failed", "Error: boom")
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "st-sync"), what="the card")
    sync = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Sync now"
    )
    posts_before = len(slack.posts(ALERTS))
    bot.click(sync["action_id"], sync["value"], user=OPERATOR, channel=ALERTS, message=card)

    def followed() -> list[dict[str, Any]]:
        return [m for m in slack.replies(ALERTS, card["ts"]) if "Sync of *st-sync*" in shown(m)]

    (run_card,) = wait_until(followed, what="the sync card in the alert's thread")
    # Updated in place as the run goes, in the thread; no second story in the channel.
    wait_until(
        lambda: "succeeded" in shown(slack.messages[(ALERTS, run_card["ts"])]),
        what="the run followed to its end",
    )
    assert slack.messages[(ALERTS, run_card["ts"])]["updates"] >= 1
    assert len(slack.posts(ALERTS)) == posts_before
    assert not [m for m in slack.posts(ALERTS) if "Sync of" in shown(m)]
    noted = [
        c.args
        for c in slack.of("chat.update")
        if c.args.get("ts") == card["ts"] and "Sync requested by <@UOPER0001>" in shown(c.args)
    ]
    assert noted, "the alert card does not say a sync was requested"
    assert "followed in this thread" in shown(noted[0]) and "*st-sync*" in shown(noted[0])
    assert slack.invalid == []


def test_a_storm_digest_shows_a_real_message_of_each_group(
    tmp_path: Path, slack: HistorySlack
) -> None:
    with SimProcess(key=KEY) as storm:
        names = [f"ec-{n}" for n in range(1, 8)]
        for n, name in enumerate(names, 1):
            add(storm, name)
            set_state(storm, name, "failed", EC2.format(n=n))
        process = BotProcess(
            slack, storm.url, KEY, tmp_path, FSYNC_POLL_INTERVAL="1", FSYNC_ALERT_CHANNEL="CEC2"
        ).start()
        try:
            (digest,) = wait_until(lambda: slack.posts("CEC2"), what="the digest")
            text = shown(digest)
            assert "workspaces need attention" in text
            # One group for the seven: the same error, told apart from its request ids.
            assert "*7 failed*: `Error: creating EC2 Instance: UnauthorizedOperation" in text
            assert "2 resources changed outside Terraform" in text  # the default conflict
            for placeholder in ("<n>", "<id>", "<time>", "<workspace>", "<duration>"):
                escaped = placeholder.replace("<", "&lt;").replace(">", "&gt;")
                assert escaped not in text and placeholder not in text
            assert not re.search(r"\bEC&lt;|\bS&lt;|IPv&lt;", text)
            thread = wait_until(lambda: slack.replies("CEC2", digest["ts"]), what="the details")
            detail = json.dumps([m["blocks"] for m in thread])
            assert "Error: creating EC2 Instance" in detail and "&lt;n&gt;" not in detail
        finally:
            process.stop()
