"""The sender against a fake Slack on loopback and a real Store: pacing, retries, permanent
errors, and no duplicate after a crash in the middle of a delivery."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.alerts import outbox, repo, route_repo
from bot.alerts.lease import Lease
from bot.alerts.model import Card, Delivery, DeliveryOp
from bot.alerts.sender import Sender
from bot.alerts.slackcalls import sender_client
from bot.slack import alert_notices
from bot.store import Store
from tests.alerts.historyslack import HistorySlack

TEXT = {"text": "hello", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


@pytest.fixture
def lease(store: Store) -> Lease:
    held = Lease(store, ttl=30)
    assert held.renew()
    return held


@pytest.fixture
def sender(store: Store, slack: HistorySlack, lease: Lease) -> Iterator[Sender]:
    web = sender_client("xoxb-test", slack.api_url)
    yield Sender(
        store,
        web,
        lease,
        default_channel="CALERTS",
        admins=["UADMIN001"],
        notices=alert_notices,
        pace=0.0,
    )


def queue(store: Store, *deliveries: Delivery, cards: tuple[Card, ...] = ()) -> None:
    with store.transaction() as db:
        repo.save_tick(
            db, seen={}, removed=[], episodes=[], cards=cards, health=repo.ApiHealth(), reminded=[]
        )
        outbox.enqueue(db, deliveries)


def card(channel: str = "CALERTS", key: str = "card:ep1") -> tuple[Card, Delivery]:
    return Card(key, channel, "card", ("ep1",)), Delivery(key, channel, DeliveryOp.POST, key, TEXT)


def drain(store: Store, sender: Sender, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wait = sender.step()
        pending = store.db.execute(
            "SELECT COUNT(*) FROM alert_outbox WHERE state IN ('pending', 'sending')"
        ).fetchone()[0]
        if not pending:
            return
        time.sleep(min(wait, 0.05))
    raise AssertionError("the outbox did not drain")


def states(store: Store) -> dict[str, str]:
    return dict(store.db.execute("SELECT key, state FROM alert_outbox").fetchall())


def test_a_card_then_its_reply_then_its_update(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    new, post = card()
    reply = Delivery("r1", "CALERTS", DeliveryOp.REPLY, new.key, {**TEXT, "reply_broadcast": True})
    update = Delivery("u1", "CALERTS", DeliveryOp.UPDATE, new.key, {**TEXT, "text": "changed"})
    queue(store, post, reply, update, cards=(new,))
    drain(store, sender)
    (posted,) = slack.posts("CALERTS")
    (threaded,) = slack.replies("CALERTS", posted["ts"])
    assert threaded["reply_broadcast"] is True
    assert posted["text"] == "changed" and posted["updates"] == 1
    assert states(store) == {"card:ep1": "sent", "r1": "sent", "u1": "sent"}
    assert sorted(slack.keys()) == ["card:ep1", "r1"]


def test_the_outbox_stores_each_operation_as_the_plain_word_it_always_was(
    store: Store, lease: Lease
) -> None:
    """Rows queued before DeliveryOp existed hold `post`, `reply`, `update` in `op`: the enum
    writes the same words and reads them back typed, so an upgrade sends what was queued."""
    new, post = card()
    reply = Delivery("r1", "CALERTS", DeliveryOp.REPLY, new.key, TEXT)
    update = Delivery("u1", "CALERTS", DeliveryOp.UPDATE, new.key, TEXT)
    queue(store, post, reply, update, cards=(new,))
    stored = store.db.execute("SELECT key, op FROM alert_outbox ORDER BY id").fetchall()
    assert stored == [("card:ep1", "post"), ("r1", "reply"), ("u1", "update")]
    assert all(type(op) is str for _, op in stored)  # text as read back, not an enum's repr
    (head,) = outbox.Outbox(store, lease).heads()
    assert head.key == "card:ep1" and head.op is DeliveryOp.POST


def test_a_429_is_waited_out_with_retry_after(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    new, post = card()
    queue(store, post, cards=(new,))
    started = time.monotonic()
    drain(store, sender)
    assert time.monotonic() - started >= 0.95
    assert len(slack.posts("CALERTS")) == 1 and len(slack.of("chat.postMessage")) == 2


def test_a_5xx_is_retried_and_checked_before_posting_again(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    slack.fail("chat.postMessage", status=500, error="internal_error", times=2)
    new, post = card()
    queue(store, post, cards=(new,))
    drain(store, sender)
    assert len(slack.posts("CALERTS")) == 1
    assert len(slack.of("conversations.history")) >= 1  # it looked before posting again


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived"])
def test_a_gone_channel_turns_its_routes_off_keeps_its_alerts_and_tells_the_admins(
    store: Store, sender: Sender, slack: HistorySlack, error: str
) -> None:
    slack.fail("chat.postMessage", error=error, channel="CGONE", times=100)
    new, post = card("CGONE", "card:gone")
    later = Delivery("r-gone", "CGONE", DeliveryOp.REPLY, new.key, TEXT)
    queue(store, post, later, cards=(new,))
    drain(store, sender)
    assert (
        states(store)["card:gone"] == "undeliverable" and states(store)["r-gone"] == "undeliverable"
    )
    assert route_repo.disabled_channels(store.db) == {"CGONE": error}
    (notice,) = slack.posts("CALERTS")
    assert "<@UADMIN001>" in notice["text"] and error in notice["text"]
    assert len(slack.of("chat.postMessage")) == 2  # one refused, one notice: nothing loops


def test_not_in_channel_joins_and_posts(store: Store, sender: Sender, slack: HistorySlack) -> None:
    slack.fail("chat.postMessage", error="not_in_channel", channel="CPUB", times=1)
    new, post = card("CPUB", "card:pub")
    queue(store, post, cards=(new,))
    drain(store, sender)
    assert len(slack.of("conversations.join")) == 1 and len(slack.posts("CPUB")) == 1


def test_not_in_channel_that_cannot_be_joined_is_permanent(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    slack.fail("chat.postMessage", error="not_in_channel", channel="CPRIV", times=100)
    slack.fail("conversations.join", error="method_not_supported_for_channel_type", times=100)
    new, post = card("CPRIV", "card:priv")
    queue(store, post, cards=(new,))
    drain(store, sender)
    assert states(store)["card:priv"] == "undeliverable"
    assert "CPRIV" in route_repo.disabled_channels(store.db)


def test_a_message_slack_refuses_fails_alone(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    slack.fail("chat.postMessage", error="invalid_blocks", times=1)
    first, post1 = card(key="card:a")
    second, post2 = card(key="card:b")
    queue(store, post1, post2, cards=(first, second))
    drain(store, sender)
    assert states(store) == {"card:a": "failed", "card:b": "sent"}


def test_only_the_latest_of_several_updates_is_sent(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    new, post = card()
    updates = [
        Delivery(f"u{n}", "CALERTS", DeliveryOp.UPDATE, new.key, {**TEXT, "text": f"v{n}"})
        for n in range(3)
    ]
    queue(store, post, *updates, cards=(new,))
    drain(store, sender)
    assert len(slack.of("chat.update")) == 1 and slack.posts("CALERTS")[0]["text"] == "v2"


@pytest.mark.parametrize("already_in_slack", [True, False])
def test_a_delivery_cut_short_by_a_crash_is_never_doubled(
    store: Store, sender: Sender, slack: HistorySlack, already_in_slack: bool
) -> None:
    new, post = card()
    queue(store, post, cards=(new,))
    # A process died after claiming the row; maybe after Slack had taken the message.
    store.db.execute(
        "UPDATE alert_outbox SET state = 'sending', claimed_by = 'dead', claimed_until = ?",
        [time.time() - 1],
    )
    if already_in_slack:
        web = WebClient(token="xoxb-test", base_url=slack.api_url)
        metadata = {"event_type": "fsync_alert", "event_payload": {"key": "card:ep1"}}
        web.chat_postMessage(channel="CALERTS", metadata=metadata, **TEXT)
    drain(store, sender)
    assert slack.keys() == ["card:ep1"]
    (ts,) = store.db.execute("SELECT ts FROM alert_cards").fetchone()
    assert ts == slack.posts("CALERTS")[0]["ts"]


def test_a_claim_still_running_elsewhere_is_left_alone(
    store: Store, sender: Sender, slack: HistorySlack
) -> None:
    new, post = card()
    queue(store, post, cards=(new,))
    store.db.execute(
        "UPDATE alert_outbox SET state = 'sending', claimed_by = 'other', claimed_until = ?",
        [time.time() + 60],
    )
    assert sender.step() > 0 and slack.of("chat.postMessage") == []


def test_without_the_lease_nothing_is_sent(store: Store, slack: HistorySlack) -> None:
    holder, other = Lease(store, ttl=30), Lease(store, ttl=30)
    assert holder.renew() and not other.renew()
    web = sender_client("xoxb-test", slack.api_url)
    idle = Sender(
        store, web, other, default_channel=None, admins=[], notices=alert_notices, pace=0.0
    )
    new, post = card()
    queue(store, post, cards=(new,))
    idle.step()
    assert slack.of("chat.postMessage") == [] and states(store) == {"card:ep1": "pending"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_760_000_000.0

    def __call__(self) -> float:
        return self.now


def tried(slack: HistorySlack, channel: str) -> int:
    return len([c for c in slack.of("chat.postMessage") if c.args.get("channel") == channel])


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived"])
def test_a_default_channel_gone_for_a_while_gets_its_held_alerts_once_it_is_back(
    store: Store, slack: HistorySlack, lease: Lease, error: str
) -> None:
    clock = Clock()
    web = sender_client("xoxb-test", slack.api_url)
    sender = Sender(
        store,
        web,
        lease,
        default_channel="CALERTS",
        admins=["UADMIN001"],
        notices=alert_notices,
        pace=0.0,
        clock=clock,
    )  # tries the channel again every 3 minutes (the default)
    slack.fail("chat.postMessage", error=error, channel="CALERTS", times=1000)
    first, post = card()
    second, other = card(key="card:ep2")
    reply = Delivery("r1", "CALERTS", DeliveryOp.REPLY, first.key, TEXT)
    queue(store, post, reply, other, cards=(first, second))
    for _ in range(20):
        sender.step()
    held = {"card:ep1": "pending", "r1": "pending", "card:ep2": "pending"}
    assert {k: v for k, v in states(store).items() if k in held} == held  # held, not dropped
    assert tried(slack, "CALERTS") == 1  # nothing loops
    (dm,) = slack.posts("UADMIN001")
    assert "held" in dm["text"] and error in dm["text"]
    clock.now += 179.0
    for _ in range(5):
        sender.step()
    assert tried(slack, "CALERTS") == 1
    clock.now += 2.0
    for _ in range(5):
        sender.step()
    assert tried(slack, "CALERTS") == 2  # re-checked: still gone
    with slack.lock:
        slack.failures.clear()  # someone unarchived it
    clock.now += 181.0
    drain(store, sender)
    assert {k: v for k, v in states(store).items() if k in held} == dict.fromkeys(held, "sent")
    delivered = sorted(k for k in slack.keys() if not k.startswith("notice:"))
    assert delivered == ["card:ep1", "card:ep2", "r1"]  # each exactly once, in the channel
    assert route_repo.disabled_channels(store.db) == {}
    assert len(slack.posts("UADMIN001")) == 1  # one DM for the whole gap
