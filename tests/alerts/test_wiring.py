"""The composition root's alerts part: workers, every alert subcommand, status mutes, App Home."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta
from typing import get_args

import pytest

from bot import wiring
from bot.alerts import route_repo
from bot.alerts.digest_poster import DigestPoster
from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.alerts.sender import Sender
from bot.core.command import AlertCommand
from bot.core.parser import SUBCOMMANDS
from bot.settings import Settings
from bot.slack import blockkit
from bot.slack.deps import Deps
from tests.alerts.conftest import NOW, ws
from tests.support.postgres import settings_for


def build(database: str) -> Deps:
    settings = Settings(
        **settings_for(database),
        firestartr_api_key="k",
        slack_bot_token="xoxb-test",
        alert_channel="CALERTS",
    )
    return wiring.build(settings, clock=lambda: NOW)


def test_the_root_builds_the_workers_and_offers_every_alert_subcommand(database: str) -> None:
    deps = build(database)
    assert [type(w) for w in deps.workers] == [Poller, DigestPoster, Sender, Lease]
    assert deps.alerts is not None
    alert_subcommands = {cls.name for cls in get_args(AlertCommand)}
    assert alert_subcommands == {
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "mute",
        "unmute",
    }
    assert alert_subcommands <= set(SUBCOMMANDS)


def test_the_root_shares_one_store_and_client_and_nothing_is_plugged_in_later(
    database: str,
) -> None:
    deps = build(database)
    poller, poster, sender, lease = deps.workers
    assert poster.store is deps.store and poster.lease is lease
    assert poller.store is deps.store and poller.client is deps.client and poller.lease is lease
    assert poller.fleet_cache is deps.service.fleet_cache and sender.lease is lease
    with pytest.raises(FrozenInstanceError):
        deps.home_extras = list  # type: ignore[misc]


def test_status_shows_active_mutes_only(database: str) -> None:
    deps = build(database)
    deps.service.fleet_cache.remember_fleet([ws("dev-1"), ws("dev-2"), ws("prod")])
    with deps.store.transaction() as db:
        route_repo.add_mute(db, "dev-*", NOW + timedelta(minutes=80), "planned work", "UOPER0001")
        route_repo.add_mute(db, "prod", NOW - timedelta(minutes=1), "", "UOPER0001")
    assert deps.mutes_by_workspace() == {
        "dev-1": "for 1h 20m (planned work)",
        "dev-2": "for 1h 20m (planned work)",
    }


def test_the_app_home_lists_routes_and_mutes(database: str) -> None:
    deps = build(database)
    with deps.store.transaction() as db:
        route_repo.add_route(db, "CPROD0001", "prod*", ["failed"], "UOPER0001")
        route_repo.add_mute(db, "dev-*", NOW + timedelta(hours=1), "<!channel> work", "UOPER0001")
    blocks = deps.home_extras()
    text = str(blocks)
    assert "<#CALERTS>" in text and "<#CPROD0001>" in text and "`dev-*`" in text
    assert "<!channel>" not in text
    assert blockkit.blocks_problems(blocks, "home") == []  # the one validator, slack_sdk's too
