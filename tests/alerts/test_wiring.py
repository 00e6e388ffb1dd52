"""install(deps): the hooks the rest of fsync calls (status mutes, App Home, commands, workers)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.alerts import repo
from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.alerts.sender import Sender
from bot.core.parser import SUBCOMMANDS
from bot.runtime import Deps
from bot.settings import Settings
from bot.slack import blockkit
from tests.alerts.conftest import NOW, ws


def build(tmp_path: Path) -> Deps:
    settings = Settings(
        db_path=tmp_path / "fsync.db",
        firestartr_api_key="k",
        slack_bot_token="xoxb-test",
        alert_channel="CALERTS",
    )
    deps = Deps.build(settings)
    deps.clock = lambda: NOW
    return deps


def test_install_adds_the_workers_and_every_alert_subcommand(tmp_path: Path) -> None:
    deps = build(tmp_path)
    assert [type(w) for w in deps.workers] == [Poller, Sender, Lease]
    assert set(deps.extra_commands) == {
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "mute",
        "unmute",
    }
    assert set(deps.extra_commands) <= set(SUBCOMMANDS)


def test_status_shows_active_mutes_only(tmp_path: Path) -> None:
    deps = build(tmp_path)
    deps.service.remember_fleet([ws("dev-1"), ws("dev-2"), ws("prod")])
    with deps.store.transaction() as db:
        repo.add_mute(db, "dev-*", NOW + timedelta(minutes=80), "planned work", "UOPER0001")
        repo.add_mute(db, "prod", NOW - timedelta(minutes=1), "", "UOPER0001")
    assert deps.mutes_by_workspace() == {
        "dev-1": "for 1h 20m (planned work)",
        "dev-2": "for 1h 20m (planned work)",
    }


def test_the_app_home_lists_routes_and_mutes(tmp_path: Path) -> None:
    deps = build(tmp_path)
    with deps.store.transaction() as db:
        repo.add_route(db, "CPROD0001", "prod*", ["failed"], "UOPER0001")
        repo.add_mute(db, "dev-*", NOW + timedelta(hours=1), "<!channel> work", "UOPER0001")
    blocks = deps.home_extras()
    text = str(blocks)
    assert "<#CALERTS>" in text and "<#CPROD0001>" in text and "`dev-*`" in text
    assert "<!channel>" not in text
    assert blockkit.blocks_problems(blocks, "home") == []  # the one validator, slack_sdk's too
