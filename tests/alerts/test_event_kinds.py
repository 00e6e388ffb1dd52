"""Event kinds and the event types a route asks for are enums whose values are the words stored
routes, episodes and outbox keys already hold: a subscription made before still routes, a card's
idempotency key is the same, and every kind of news reaches the route that asked for its type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.alerts.model import EVENT_TYPE_OF, Episode, Event, EventKind, Route
from bot.core.events import EVENT_TYPES, EventType

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_event_types_are_the_words_subscriptions_store() -> None:
    words = ("failed", "conflict", "recovered", "stalled", "api", "approval")
    assert [t.value for t in EventType] == list(words)
    assert EVENT_TYPES == words


def test_every_kind_of_news_but_a_reminder_routes_by_one_event_type() -> None:
    # A reminder routes by what is wrong at the time it fires (Episode.problem).
    assert set(EVENT_TYPE_OF) == set(EventKind) - {EventKind.REMINDER}
    assert all(isinstance(t, EventType) for t in EVENT_TYPE_OF.values())


def test_a_route_stored_with_plain_words_still_wants_its_news() -> None:
    route = Route("C1", "prod-*", frozenset({"recovered"}))  # as repo reads it back
    episode = Episode("ep_1", "prod-eu", EventKind.FAILED, NOW, "success")
    for kind in (EventKind.RECOVERED, EventKind.GONE):
        assert route.wants("prod-eu", Event(kind, episode).event_type)
    assert not route.wants("prod-eu", Event(EventKind.REPEAT, episode).event_type)


def test_keys_and_json_hold_the_plain_word() -> None:
    episode = Episode("ep_1", "dev", EventKind.CONFLICT, NOW, "conflict")
    assert Event(EventKind.RESOLVED, episode, anchor="c1").key == "ep_1:resolved:c1"
    assert json.dumps({"kind": EventKind.GONE}) == '{"kind": "gone"}'
