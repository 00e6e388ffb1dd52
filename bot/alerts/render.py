"""What the alerts pipeline needs rendered, and is handed by the composition root: the Slack
edge's Block Kit (bot/slack/alert_cards.py). Rendered when a tick is stored, so a retried send
says exactly what the first try would have."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.alerts.model import Episode, Event, Resolutions
from bot.core.authz import Policy

Message = dict[str, Any]


class Cards(Protocol):
    """How an alert reads: a card, its thread replies, a digest and its pages."""

    def episode_card(
        self,
        episode: Episode,
        policy: Policy,
        *,
        note: str = "",
        resolutions: Resolutions | None = None,
        owners: Sequence[str] = (),
    ) -> Message: ...

    def reply(self, event: Event, resolutions: Resolutions | None = None) -> Message: ...

    def digest(self, episodes: Sequence[Episode]) -> Message: ...

    def digest_details(self, episodes: Sequence[Episode]) -> list[Message]: ...

    def news(self, events: Sequence[Event], title: str) -> list[Message]: ...


class Notices(Protocol):
    """What admins are told when a channel refuses alerts (bot/slack/alert_notices.py)."""

    def channel_disabled(self, channel_id: str, error: str, admins: Sequence[str]) -> Message: ...

    def default_channel_held(
        self, channel_id: str, error: str, admins: Sequence[str], recheck: float
    ) -> Message: ...
