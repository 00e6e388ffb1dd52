"""A Poller from the composition root's Deps, built as bot/wiring.py builds it but ticked by the
test itself (interval 1, nothing woken on queueing), with its lease already held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot import wiring
from bot.alerts import poller as poller_module
from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.firestartr.client import SyncClient
from bot.settings import Settings
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


class StepClock:
    """Time that moves only when the test sets `now`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def mock_api_poller(
    api: Callable[[httpx.Request], httpx.Response],
    *,
    clock: Callable[[], datetime] | None = None,
    ttl: float = 30,
    **settings: Any,
) -> tuple[Deps, Poller, Lease]:
    """The root's Deps over a Sync API answered by `api` (httpx.MockTransport), alerts to
    CALERTS, and a held Poller on the same clock. `settings`: the database (`db_path` or
    `database_url`) and anything else to set."""
    defaults = {
        "firestartr_api_key": "k",
        "slack_bot_token": "xoxb-test",
        "alert_channel": "CALERTS",
        "poll_interval": 1,
        "firestartr_rate_limit": 10_000,
    }
    config = Settings(**{**defaults, **settings})
    client = SyncClient("http://sync.test", "k", transport=httpx.MockTransport(api), retries=0)
    deps = wiring.build(config, client=client, **({"clock": clock} if clock else {}))
    poller, lease = held_poller(
        deps,
        default_channel=config.alert_channel,
        clock=clock or deps.clock,
        ttl=ttl,
        history_days=config.history_days,
    )
    return deps, poller, lease


def diff_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many workspaces each of the poller's diffs is handed, from now on."""
    seen: list[int] = []
    real = poller_module.diff

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(len(args[2]))
        return real(*args, **kw)

    monkeypatch.setattr(poller_module, "diff", spy)
    return seen
