"""A Poller from the composition root's Deps, built as bot/wiring.py builds it but ticked by the
test itself (interval 1, nothing woken on queueing), with its lease already held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.slack import alert_cards
from bot.slack.deps import Deps


def held_poller(
    deps: Deps,
    *,
    default_channel: str | None,
    clock: Callable[[], datetime],
    ttl: float = 30,
    **options: Any,
) -> tuple[Poller, Lease]:
    lease = Lease(deps.store, ttl=ttl)
    assert lease.renew()
    poller = Poller(
        deps.client,
        deps.store,
        deps.service.fleet_cache,
        lease,
        policy=deps.policy,
        cards=alert_cards,
        default_channel=default_channel,
        clock=clock,
        interval=1,
        on_queued=lambda: None,
        **options,
    )
    return poller, lease
