"""bot/metrics.py, bot/health.py readiness and the listener counts, on fresh registries."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.alerts.lease import Lease
from bot.errors import Confirm, PermissionDenied
from bot.health import readiness
from bot.metrics import Metrics
from bot.slack.ids import Action, resolve_action
from bot.slack.reply import count, outcome_of
from bot.store import Store
from tests.support.scrape import samples


def seen(metrics: Metrics) -> dict[str, float]:
    return samples(metrics.scrape().decode())


def test_each_metrics_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.poll("ok", 0.2)
    one.alert_sent()
    assert seen(one)['fsync_polls_total{outcome="ok"}'] == 1
    assert seen(one)["fsync_alerts_sent_total"] == 1
    assert 'fsync_polls_total{outcome="ok"}' not in seen(two)
    assert seen(two)["fsync_alerts_sent_total"] == 0
    assert one.last_good_poll is not None and two.last_good_poll is None


def test_labels_outside_their_fixed_sets_are_folded() -> None:
    metrics = Metrics()
    metrics.poll("something new", 0.1)
    metrics.alert_failed("channel_not_found")  # Slack's own words never become a label
    metrics.command("status", "weird")
    got = seen(metrics)
    assert got['fsync_polls_total{outcome="crashed"}'] == 1
    assert got['fsync_alerts_failed_total{reason="refused"}'] == 1
    assert got['fsync_commands_total{name="status",outcome="error"}'] == 1
    assert "channel_not_found" not in metrics.scrape().decode()


def test_outbox_gauges_are_read_at_scrape_time_and_a_broken_store_drops_only_them() -> None:
    metrics = Metrics()
    backlog = [(3, 42.5)]
    metrics.watch_outbox(lambda: backlog[0])
    got = seen(metrics)
    assert got["fsync_outbox_depth"] == 3 and got["fsync_outbox_oldest_pending_seconds"] == 42.5
    backlog[0] = (0, None)
    assert seen(metrics)["fsync_outbox_depth"] == 0

    def broken() -> tuple[int, float | None]:
        raise OSError("database is locked")

    other = Metrics()
    other.watch_outbox(broken)
    other.poll("ok", 0.1)
    got = seen(other)
    assert "fsync_outbox_depth" not in got and got['fsync_polls_total{outcome="ok"}'] == 1


def command_body(text: str) -> dict[str, Any]:
    return {"command": "/fsync", "text": text, "user_id": "U1", "response_url": "https://x/y"}


def click_body(action_id: str) -> dict[str, Any]:
    return {"type": "block_actions", "actions": [{"action_id": action_id}], "user": {"id": "U1"}}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (command_body("status prod-secret"), 'fsync_commands_total{name="status",outcome="ok"}'),
        (command_body("SYNC prod-secret"), 'fsync_commands_total{name="sync",outcome="ok"}'),
        (command_body(""), 'fsync_commands_total{name="help",outcome="ok"}'),
        (command_body("rm -rf prod-secret"), 'fsync_commands_total{name="unknown",outcome="ok"}'),
        (click_body(Action.SYNC), 'fsync_clicks_total{action="fsync_sync",outcome="ok"}'),
        (
            click_body(resolve_action("apply_desired", 0, confirmed=False)),
            'fsync_clicks_total{action="fsync_resolve",outcome="ok"}',
        ),
        (
            click_body(resolve_action("keep_actual", 1, confirmed=True)),
            'fsync_clicks_total{action="fsync_resolve_confirmed",outcome="ok"}',
        ),
        (
            click_body(f"{Action.STATUS_PAGE}_prev"),
            'fsync_clicks_total{action="fsync_status_page",outcome="ok"}',
        ),
        (click_body("prod-secret"), 'fsync_clicks_total{action="other",outcome="ok"}'),
    ],
)
def test_commands_and_clicks_are_named_from_fixed_lists(body: dict[str, Any], key: str) -> None:
    metrics = Metrics()
    count(metrics, body, "ok")
    assert seen(metrics)[key] == 1
    text = metrics.scrape().decode()
    assert "prod-secret" not in text and "U1" not in text and "https://x" not in text


def test_outcomes_of_errors() -> None:
    assert outcome_of(PermissionDenied("no")) == "refused"
    asked = Confirm("Sync prod?", action="sync", params={})
    assert outcome_of(asked) == "ok"  # a confirmation asked is no refusal
    assert outcome_of(KeyError("bug")) == "error"


# --- readiness ------------------------------------------------------------------------------------
def deps(tmp_path: Path, metrics: Metrics, interval: float = 1.0) -> Any:
    store = Store(tmp_path / "fsync.db")
    return SimpleNamespace(
        metrics=metrics, store=store, settings=SimpleNamespace(poll_interval=interval)
    )


def test_not_ready_when_nobody_holds_the_lease(tmp_path: Path) -> None:
    status, body = readiness(deps(tmp_path, Metrics()))
    assert status == 503 and body["ready"] is False and body["lease"] is None
    assert "no process holds the poller lease" in body["reason"]


def test_ready_when_another_live_process_holds_the_lease(tmp_path: Path) -> None:
    d = deps(tmp_path, Metrics())
    assert Lease(d.store, 10.0, holder="host-b:42:abc").renew()
    status, body = readiness(d)
    assert status == 200 and body["lease"] == "host-b:42:abc"


def test_holding_the_lease_is_ready_only_with_a_recent_good_poll(tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.watch_lease(lambda: True)
    d = deps(tmp_path, metrics, interval=5.0)  # stale after 3 intervals: 15 s
    status, body = readiness(d)
    assert (
        status == 503 and body["lease"] == "this process" and "no good poll yet" in body["reason"]
    )

    metrics.poll("ok", 0.1)
    status, body = readiness(d)
    assert status == 200 and body["last_good_poll_age_s"] < 1

    status, body = readiness(d, now=time.time() + 60)
    assert status == 503 and "last good poll 60 s ago" in body["reason"]
    assert seen(metrics)["fsync_poller_lease_held"] == 1
