"""After a decision, a conflict's alert card says what was decided, by whom and when: at once
when the click comes through fsync, and when the poller sees a decision taken anywhere else.

Black-box: `fsync-bot run` polling the simulator, posting to a fake Slack on loopback; clicks
are signed requests carrying the card as Slack sends it.
"""

from __future__ import annotations

from typing import Any

from tests.alerts.historyslack import HistorySlack
from tests.e2e.test_alerts import add, cards_about, set_state, shown, wait_until
from tests.support.alertstack import alert_fixtures
from tests.support.botproc import ADMIN, OPERATOR, BotProcess
from tests.support.simproc import SimProcess

KEY = "sim-key-decisions-not-a-secret"
ALERTS = "CDECIDE"
WAITING = "waiting for a decision"


# Slow runs: a resolution's sync is still on while the poller looks at the workspace.
sim, slack, bot = alert_fixtures(KEY, ALERTS, sync_seconds="4", workdir="decide")


def updates_of(slack: HistorySlack, ts: str) -> list[dict[str, Any]]:
    return [c.args for c in slack.of("chat.update") if c.args.get("ts") == ts]


def first_line(message: dict[str, Any]) -> str:
    return str(message["blocks"][0]["text"]["text"])


def resolve_buttons(card: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in card["blocks"] if str(b.get("block_id")).startswith("resolve:"))


def test_a_click_rewrites_the_cards_header_with_what_who_and_when(
    bot: BotProcess, slack: HistorySlack
) -> None:
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "networking"), what="conflict card")
    assert WAITING in first_line(card)
    ignore = next(e for e in resolve_buttons(card)["elements"] if "ignore" in e["value"])
    bot.click(ignore["action_id"], ignore["value"], user=OPERATOR, channel=ALERTS, message=card)
    clicked = wait_until(lambda: updates_of(slack, card["ts"]), what="the card updated")[0]
    head = first_line(clicked)
    assert "*networking*: the conflict was resolved by <@UOPER0001>: ignore this time" in head
    assert "<!date^" in head  # when, in the reader's time zone
    assert WAITING not in shown(clicked)
    assert "Resolved by <@UOPER0001>: ignore this time" in shown(clicked)
    assert slack.invalid == []


def test_the_poller_says_who_decided_when_the_decision_was_taken_elsewhere(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "dc-app")
    set_state(sim, "dc-app", "conflict")
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "dc-app"), what="conflict card")
    assert WAITING in first_line(card)
    conflict_id = resolve_buttons(card)["block_id"].split(":", 1)[1]
    # Someone resolves it in Firestartr's own console, not through fsync; a sync starts.
    http = sim.client()
    try:
        answer = http.post(
            f"/v1/terraform/sync/conflicts/{conflict_id}/resolve",
            json={"resolution": "accept_remote", "resolved_by": ADMIN},
        )
        answer.raise_for_status()
    finally:
        http.close()

    def decided() -> list[dict[str, Any]]:
        return [u for u in updates_of(slack, card["ts"]) if "resolved by" in first_line(u)]

    update = wait_until(decided, what="the card saying who decided")[0]
    head = first_line(update)
    assert "*dc-app*: the conflict was resolved by <@UADMIN001>: accept real state" in head
    assert "<!date^" in head and "a sync is on its way" in head
    assert WAITING not in shown(update)
    assert "Resolved by <@UADMIN001>: accept real state" in shown(update)
    assert not [b for b in update["blocks"] if b["type"] == "actions"]  # no stale buttons
    # The thread's news says it too.
    replies = wait_until(lambda: slack.replies(ALERTS, card["ts"]), what="the thread reply")
    assert "the conflict was resolved by <@UADMIN001>: accept real state" in shown(replies[0])
    assert slack.invalid == []
