"""Events -> deliveries per channel: routes, mutes, cards kept up to date, and storms as digests.

The rules, per channel:
- An episode gets one card per channel. Later news of it updates that card in place (always, even
  while muted: a card is kept true) and, when the channel wants that event type and it is not
  muted, adds a short reply in the card's thread; only the recovery is broadcast.
- News with no card in a channel opens one there, except a resolved conflict, a workspace gone,
  and a recovery the channel would have had a card for (it was muted, or routed there later).
- More than STORM new cards for one channel in one poll become one digest, grouped by error
  fingerprint, with the per-workspace lines in its thread; news of those episodes later goes to
  that thread as one reply per poll. More than STORM thread replies become one channel message.
- Muted events and events for a channel whose routes are off are recorded, never sent. (The
  default channel is never in `disabled`: while Slack says it is gone, its alerts wait.)

Idempotency keys come from the channel and the events' own keys, so the same news, computed again
after a crash or by a second process, is the same row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.alerts.model import (
    EVENT_TYPE_OF,
    STORM,
    Card,
    Delivery,
    DeliveryOp,
    Episode,
    Event,
    EventKind,
    Mute,
    Plan,
    Resolutions,
    Route,
    digest_of,
)
from bot.alerts.render import Cards
from bot.core.authz import Policy
from bot.core.events import EventType
from bot.core.words import plural


@dataclass(frozen=True)
class RoutingContext:
    """What routing needs to know besides the events, loaded by the tick."""

    routes: Sequence[Route]
    mutes: Sequence[Mute]
    disabled: frozenset[str]  # channels whose routes are off after a permanent Slack error
    links: Mapping[str, Mapping[str, tuple[str, str]]]  # episode -> channel -> (card, card kind)
    members: Callable[[str], Sequence[Episode]]  # a digest's episodes as they are now
    policy: Policy
    now: datetime
    cards: Cards  # the Slack edge's renderer (bot/slack/alert_cards.py)
    resolutions: Resolutions = field(default_factory=dict)
    # Workspace -> the Slack ids its cards call (bot/core/owners.py), whatever the episode's kind.
    owners: Callable[[str], Sequence[str]] = lambda _: ()

    def owners_of(self, episode: Episode) -> Sequence[str]:
        return () if episode.is_api else self.owners(episode.workspace)


@dataclass
class _Batch:
    opens: list[Event] = field(default_factory=list)
    updates: dict[str, Event] = field(default_factory=dict)  # card -> latest event
    replies: list[tuple[Event, str]] = field(default_factory=list)
    digest_news: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    digests_touched: set[str] = field(default_factory=set)


def plan(events: Sequence[Event], s: RoutingContext) -> Plan:
    out = Plan()
    batches: dict[str, _Batch] = defaultdict(_Batch)
    for event in events:
        _place(event, s, batches, out)
    for channel_id, batch in batches.items():
        _compose(channel_id, batch, s, out)
    return out


def _place(event: Event, s: RoutingContext, batches: dict[str, _Batch], out: Plan) -> None:
    episode = event.episode
    workspace, event_type = episode.workspace, event.event_type
    want = {r.channel for r in s.routes if r.wants(workspace, event_type)}
    muted = event.kind != EventKind.REMINDER and any(m.covers(workspace, s.now) for m in s.mutes)
    linked = s.links.get(episode.id, {})
    for channel_id, (card, kind) in linked.items():
        if channel_id in s.disabled:
            continue
        batch = batches[channel_id]
        if kind == "digest":
            batch.digests_touched.add(card)
        else:
            batch.updates[card] = event
        if channel_id not in want or event.quiet:
            continue
        if muted:
            out.deliveries.append(
                _record(event, channel_id, "muted", s.cards.reply(event, s.resolutions))
            )
        elif kind == "digest":
            batch.digest_news[card].append(event)
        else:
            batch.replies.append((event, card))
    for channel_id in sorted(want - linked.keys()):
        if event.closing or _expected_card(event, channel_id, s.routes):
            continue
        if channel_id in s.disabled or muted:
            state = "undeliverable" if channel_id in s.disabled else "muted"
            payload = s.cards.episode_card(
                episode, s.policy, resolutions=s.resolutions, owners=s.owners_of(episode)
            )
            out.deliveries.append(_record(event, channel_id, state, payload))
        else:
            batches[channel_id].opens.append(event)


def _expected_card(event: Event, channel_id: str, routes: Sequence[Route]) -> bool:
    """A recovery where the channel wanted the opening too: it was muted or routed later."""
    if event.kind != EventKind.RECOVERED:
        return False
    opening = EventType.API if event.episode.is_api else EVENT_TYPE_OF[event.episode.kind]
    return any(
        r.channel == channel_id and r.wants(event.episode.workspace, opening) for r in routes
    )


def _record(event: Event, channel_id: str, state: str, payload: dict[str, Any]) -> Delivery:
    return Delivery(
        key=f"{state}:{channel_id}:{event.key}",
        channel=channel_id,
        op=DeliveryOp.POST,
        card=None,
        payload=payload,
        state=state,
        kind=event.kind,
        episode=event.episode.id,
    )


def _compose(channel_id: str, batch: _Batch, s: RoutingContext, out: Plan) -> None:
    add = out.deliveries.append
    if len(batch.opens) > STORM:
        episodes = [event.episode for event in batch.opens]
        key = f"digest:{digest_of(*sorted(e.id for e in episodes))}:{channel_id}"
        out.cards.append(Card(key, channel_id, "digest", tuple(e.id for e in episodes)))
        add(_delivery(key, channel_id, DeliveryOp.POST, key, s.cards.digest(episodes), "digest"))
        for n, page in enumerate(s.cards.digest_details(episodes)):
            add(_delivery(f"{key}:detail:{n}", channel_id, DeliveryOp.REPLY, key, page, "digest"))
    else:
        for event in batch.opens:
            key = f"card:{event.episode.id}:{channel_id}"
            out.cards.append(Card(key, channel_id, "card", (event.episode.id,)))
            payload = s.cards.episode_card(
                event.episode,
                s.policy,
                note=event.note,
                resolutions=s.resolutions,
                owners=s.owners_of(event.episode),
            )
            add(
                _delivery(
                    key, channel_id, DeliveryOp.POST, key, payload, event.kind, event.episode.id
                )
            )
    for card, event in batch.updates.items():
        payload = s.cards.episode_card(
            event.episode, s.policy, resolutions=s.resolutions, owners=s.owners_of(event.episode)
        )
        key = f"update:{card}:{event.key}"
        add(
            _delivery(
                key, channel_id, DeliveryOp.UPDATE, card, payload, event.kind, event.episode.id
            )
        )
    for card in sorted(batch.digests_touched):
        # A digest only moves forward (more of its workspaces back), so its content is its key.
        payload = s.cards.digest(s.members(card))
        add(
            _delivery(
                f"update:{card}:{_hash(payload)}", channel_id, DeliveryOp.UPDATE, card, payload
            )
        )
    for card, events in batch.digest_news.items():
        for part, broadcast in _by_recovery(events):
            tag = digest_of(*sorted(e.key for e in part))
            title = "Back to success" if broadcast else "News"
            for n, page in enumerate(s.cards.news(part, title)):
                if broadcast and n == 0:
                    page["reply_broadcast"] = True
                add(
                    _delivery(
                        f"news:{card}:{tag}:{n}", channel_id, DeliveryOp.REPLY, card, page, "news"
                    )
                )
    if len(batch.replies) > STORM:
        events = [event for event, _ in batch.replies]
        tag = digest_of(*sorted(e.key for e in events))
        for n, page in enumerate(s.cards.news(events, f"News of {plural(len(events), 'alert')}")):
            add(
                _delivery(
                    f"news:{channel_id}:{tag}:{n}", channel_id, DeliveryOp.POST, None, page, "news"
                )
            )
        return
    for event, card in batch.replies:
        payload = s.cards.reply(event, s.resolutions)
        if event.kind == EventKind.RECOVERED:
            payload["reply_broadcast"] = True
        key = f"reply:{card}:{event.key}"
        add(
            _delivery(
                key, channel_id, DeliveryOp.REPLY, card, payload, event.kind, event.episode.id
            )
        )


def _by_recovery(events: list[Event]) -> list[tuple[list[Event], bool]]:
    back = [e for e in events if e.kind == EventKind.RECOVERED]
    other = [e for e in events if e.kind != EventKind.RECOVERED]
    return [(part, part is back) for part in (other, back) if part]


def _delivery(
    key: str,
    channel_id: str,
    op: DeliveryOp,
    card: str | None,
    payload: dict[str, Any],
    kind: str = "",
    episode: str = "",
) -> Delivery:
    return Delivery(key, channel_id, op, card, payload, kind=kind, episode=episode)


def _hash(payload: dict[str, Any]) -> str:
    return digest_of(json.dumps(payload, sort_keys=True))
