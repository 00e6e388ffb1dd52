"""router.plan(): events -> cards and deliveries per channel. Table-driven on small situations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.alerts.model import Episode, Event, Mute, Plan, Route
from bot.alerts.router import RoutingContext, plan
from bot.slack import alert_cards
from tests.alerts.blockkit import assert_valid, shown
from tests.alerts.conftest import NOW, POLICY

DEFAULT = Route("CALERTS", "*", default=True)


def opened(name: str, kind: str = "failed", message: str = "boom") -> Event:
    episode = Episode(f"ep_{name}", name, kind, NOW, kind, message, message, 1)
    return Event(kind, episode, opens=True, anchor="t0")


def news(name: str, kind: str, **changes: object) -> Event:
    episode = replace(opened(name).episode, **changes)  # type: ignore[arg-type]
    return Event(kind, episode, anchor="t1")


def recovered(name: str) -> Event:
    return news(name, "recovered", status="success", closed_at=NOW, closed_how="recovered")


def routing(
    routes: Sequence[Route] = (DEFAULT,),
    *,
    mutes: Sequence[Mute] = (),
    disabled: frozenset[str] = frozenset(),
    links: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    members: Sequence[Episode] = (),
) -> RoutingContext:
    return RoutingContext(
        routes=routes,
        mutes=mutes,
        disabled=disabled,
        links=links or {},
        members=lambda card: members,
        policy=POLICY,
        now=NOW,
        cards=alert_cards,
    )


def summary(result: Plan) -> list[tuple[str, str, str]]:
    """(channel, op, state) per delivery, in queue order."""
    return [(d.channel, d.op, d.state) for d in result.deliveries]


def card_of(name: str, channel: str = "CALERTS") -> dict[str, dict[str, tuple[str, str]]]:
    return {f"ep_{name}": {channel: (f"card:ep_{name}:{channel}", "card")}}


def test_one_card_per_episode_and_channel() -> None:
    routes = [DEFAULT, Route("CPROD", "prod*", frozenset({"failed"}))]
    result = plan([opened("prod-1"), opened("dev-1")], routing(routes))
    assert summary(result) == [
        ("CALERTS", "post", "pending"),
        ("CALERTS", "post", "pending"),
        ("CPROD", "post", "pending"),
    ]
    assert sorted(c.key for c in result.cards) == [
        "card:ep_dev-1:CALERTS",
        "card:ep_prod-1:CALERTS",
        "card:ep_prod-1:CPROD",
    ]
    for delivery in result.deliveries:
        assert_valid(delivery.payload)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ({"failed"}, ["failed"]),
        ({"conflict"}, ["conflict"]),
        ({"recovered"}, []),
        (frozenset(), ["conflict", "failed", "stalled"]),
    ],
)
def test_a_route_takes_only_the_events_it_names(events: set[str], expected: list[str]) -> None:
    route = Route("CSUB", "*", frozenset(events))
    happening = [opened("a", "failed"), opened("b", "conflict"), opened("c", "stalled")]
    result = plan(happening, routing([route]))
    assert sorted(d.kind for d in result.deliveries) == expected


def test_more_than_five_new_cards_become_one_digest_with_the_detail_in_its_thread() -> None:
    result = plan([opened(f"ws-{n}") for n in range(6)], routing())
    ops = summary(result)
    assert ops[0] == ("CALERTS", "post", "pending") and set(ops[1:]) == {
        ("CALERTS", "reply", "pending")
    }
    (card,) = result.cards
    assert card.kind == "digest" and len(card.episodes) == 6
    assert all(d.card == card.key for d in result.deliveries)
    assert "6 workspaces need attention" in result.deliveries[0].payload["text"]


def test_five_new_cards_stay_cards() -> None:
    result = plan([opened(f"ws-{n}") for n in range(5)], routing())
    assert [c.kind for c in result.cards] == ["card"] * 5


def test_the_storm_threshold_is_per_channel() -> None:
    routes = [DEFAULT, Route("CFEW", "ws-1*")]
    result = plan([opened(f"ws-{n}") for n in range(12)], routing(routes))
    kinds = sorted((c.channel, c.kind) for c in result.cards)
    assert kinds == [("CALERTS", "digest"), ("CFEW", "card"), ("CFEW", "card"), ("CFEW", "card")]


def test_news_updates_the_card_and_replies_in_its_thread() -> None:
    result = plan([news("a", "failed", message="worse", failures=2)], routing(links=card_of("a")))
    assert summary(result) == [("CALERTS", "update", "pending"), ("CALERTS", "reply", "pending")]
    update, reply = result.deliveries
    assert update.card == reply.card == "card:ep_a:CALERTS"
    assert "worse" in shown(reply.payload) and "reply_broadcast" not in reply.payload


def test_only_the_recovery_is_broadcast() -> None:
    result = plan([recovered("a")], routing(links=card_of("a")))
    update, reply = result.deliveries
    assert reply.payload["reply_broadcast"] is True
    assert "back to success" in update.payload["text"]


@pytest.mark.parametrize(
    ("kind", "with_card", "without_card"),
    [
        ("repeat", ["update", "reply"], ["post"]),  # another failure, same error
        ("resolved", ["update", "reply"], []),
        ("gone", ["update"], []),  # the workspace left the fleet: the card says so, quietly
    ],
)
def test_which_news_replies_and_which_opens_a_card(
    kind: str, with_card: list[str], without_card: list[str]
) -> None:
    assert [op for _, op, _ in summary(plan([news("a", kind)], routing(links=card_of("a"))))] == (
        with_card
    )
    assert [op for _, op, _ in summary(plan([news("a", kind)], routing()))] == without_card


def test_a_card_is_kept_true_even_when_the_route_does_not_want_the_news() -> None:
    route = Route("CFAIL", "*", frozenset({"failed"}))
    result = plan([recovered("a")], routing([route], links=card_of("a", "CFAIL")))
    assert summary(result) == [("CFAIL", "update", "pending")]


def test_muted_events_are_recorded_not_sent_but_cards_stay_true() -> None:
    mutes = [Mute("a*", NOW + timedelta(hours=1))]
    result = plan([opened("a1"), opened("b1")], routing(mutes=mutes))
    assert sorted(summary(result)) == [("CALERTS", "post", "muted"), ("CALERTS", "post", "pending")]
    assert [c.key for c in result.cards] == ["card:ep_b1:CALERTS"]
    result = plan([recovered("a1")], routing(mutes=mutes, links=card_of("a1")))
    assert summary(result) == [("CALERTS", "post", "muted"), ("CALERTS", "update", "pending")]


def test_an_expired_mute_mutes_nothing() -> None:
    mutes = [Mute("a*", NOW - timedelta(seconds=1))]
    assert summary(plan([opened("a1")], routing(mutes=mutes))) == [("CALERTS", "post", "pending")]


def test_a_reminder_posts_the_card_the_mute_held_back() -> None:
    reminder = Event("reminder", opened("a1").episode, anchor="a*@t", note="The mute on a* ended")
    result = plan([reminder], routing(mutes=[Mute("b*", NOW + timedelta(hours=1))]))
    (post,) = result.deliveries
    assert post.op == "post" and "The mute on a* ended" in shown(post.payload)


def test_a_disabled_channel_keeps_its_alerts_as_undeliverable() -> None:
    routes = [DEFAULT, Route("CGONE", "*")]
    result = plan([opened("a")], routing(routes, disabled=frozenset({"CGONE"})))
    assert sorted(summary(result)) == [
        ("CALERTS", "post", "pending"),
        ("CGONE", "post", "undeliverable"),
    ]


def test_a_recovery_without_a_card_is_not_news_where_the_opening_was_wanted() -> None:
    assert summary(plan([recovered("a")], routing())) == []
    only_back = Route("CBACK", "*", frozenset({"recovered"}))
    assert summary(plan([recovered("a")], routing([only_back]))) == [("CBACK", "post", "pending")]


def test_news_of_a_digest_goes_to_its_thread_in_one_reply() -> None:
    links = {f"ep_ws-{n}": {"CALERTS": ("digest:x:CALERTS", "digest")} for n in range(8)}
    members = [recovered(f"ws-{n}").episode for n in range(8)]
    result = plan([recovered(f"ws-{n}") for n in range(8)], routing(links=links, members=members))
    assert summary(result) == [("CALERTS", "update", "pending"), ("CALERTS", "reply", "pending")]
    update, reply = result.deliveries
    assert "8 of 8 are back" in shown(update.payload)
    assert reply.payload["reply_broadcast"] is True and reply.card == "digest:x:CALERTS"


def test_more_than_five_thread_replies_become_one_channel_message() -> None:
    links: dict[str, dict[str, tuple[str, str]]] = {}
    for n in range(7):
        links |= card_of(f"ws-{n}")
    result = plan([recovered(f"ws-{n}") for n in range(7)], routing(links=links))
    ops = summary(result)
    assert ops.count(("CALERTS", "update", "pending")) == 7
    assert ops.count(("CALERTS", "post", "pending")) == 1 and len(ops) == 8


def test_the_same_events_give_the_same_keys() -> None:
    events = [opened(f"ws-{n}") for n in range(9)] + [opened("x")]
    one = plan(events, routing([DEFAULT, Route("CX", "x")]))
    two = plan(list(reversed(events)), routing([DEFAULT, Route("CX", "x")]))
    assert sorted(d.key for d in one.deliveries) == sorted(d.key for d in two.deliveries)
