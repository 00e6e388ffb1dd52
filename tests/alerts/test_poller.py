"""The poller's tick in-process: a Sync API over httpx.MockTransport, a real Store, no threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.alerts.lease import Lease
from bot.alerts.poller import LeaseLost, Poller
from bot.slack.deps import Deps
from tests.support.pollers import mock_api_poller
from tests.support.postgres import settings_for

Handler = Callable[[httpx.Request], httpx.Response]


class Api:
    """A Sync API whose fleet the test edits; `down` makes every request fail."""

    def __init__(self) -> None:
        self.fleet: dict[str, dict[str, Any]] = {}
        self.down = 0  # HTTP status to answer with, or 0
        self.conflicts_404 = False

    def set(self, name: str, status: str = "success", message: str | None = None) -> None:
        self.fleet[name] = {
            "name": name,
            "status": status,
            "message": message,
            "sync_interval": "10m",
            "last_sync": f"2025-10-13T14:{len(self.fleet):02d}:00Z",
            "open_conflicts": 1 if status == "conflict" else 0,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(self.down, json={"error": "unavailable", "message": "down"})
        if request.url.path.endswith("/conflicts"):
            if self.conflicts_404:
                return httpx.Response(404, text="no such endpoint")
            found = [
                {"id": f"cfl_{name}", "workspace": name, "status": "open", "summary": "drift"}
                for name, ws in self.fleet.items()
                if ws["status"] == "conflict"
            ]
            return httpx.Response(200, json={"conflicts": found})
        return httpx.Response(200, json={"workspaces": list(self.fleet.values())})


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def make(database: str, api: Api) -> Callable[[], tuple[Deps, Poller, Lease]]:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`)."""

    def build() -> tuple[Deps, Poller, Lease]:
        return mock_api_poller(api, **settings_for(database))

    return build


def outbox(deps: Deps) -> list[tuple[str, str, str]]:
    rows = deps.store.db.execute("SELECT key, op, state FROM alert_outbox ORDER BY id").fetchall()
    return [tuple(row) for row in rows]


def test_existing_problems_are_alerted_once_and_a_restart_does_not_repeat_them(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api
) -> None:
    api.set("ok")
    api.set("broken", "failed", "boom")
    api.set("drifted", "conflict")
    deps, poller, lease = make()
    poller.tick()
    first = outbox(deps)
    assert [(op, state) for _, op, state in first] == [("post", "pending")] * 2
    poller.tick()
    lease.release()
    deps2, poller2, _ = make()
    poller2.tick()
    assert outbox(deps2) == first
    (drifted,) = [e for e in poller2.open.values() if e.kind == "conflict"]
    assert [c["id"] for c in drifted.conflicts] == ["cfl_drifted"]


def test_a_tick_that_dies_before_its_commit_is_redone_with_the_same_keys(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api
) -> None:
    deps, poller, lease = make()
    poller.tick()
    api.set("broken", "failed", "boom")
    lease.release()  # the commit finds the lease gone: nothing of this tick is stored
    with pytest.raises(LeaseLost):
        poller.tick()
    assert outbox(deps) == []
    assert lease.renew()
    poller.tick()  # lease regained: the snapshot is reloaded and the change seen again
    (row,) = outbox(deps)
    assert row[0].startswith("card:ep_") and row[0].endswith(":CALERTS")


def test_the_api_down_for_many_polls_is_one_alert_and_its_return_another(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api
) -> None:
    api.set("broken", "failed", "boom")
    deps, poller, _ = make()
    poller.tick()
    api.down = 503
    for _ in range(8):
        poller.tick()
    api.down = 0
    poller.tick()
    kinds = [key.split(":")[0] for key, _, _ in outbox(deps)]
    assert kinds == ["card", "card", "update", "reply"]  # broken, api down, api back (+ reply)
    assert poller.health.failures == 0


def test_conflicts_unavailable_still_alert(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api
) -> None:
    api.conflicts_404 = True
    api.set("drifted", "conflict")
    deps, poller, _ = make()
    poller.tick()
    ((_, op, state),) = outbox(deps)
    assert op == "post" and state == "pending"
    payload = deps.store.db.execute("SELECT payload FROM alert_outbox").fetchone()[0]
    assert "/fsync conflicts drifted" in payload


def test_alerts_for_a_default_channel_slack_said_was_gone_are_queued_not_dropped(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api
) -> None:
    deps, poller, _ = make()
    with deps.store.transaction() as db:  # as the sender records a channel_not_found
        db.execute(
            "INSERT INTO alert_channels (channel, disabled_reason, disabled_at) VALUES (?, ?, ?)",
            ["CALERTS", "channel_not_found", "2025-10-13T14:00:00"],
        )
    api.set("broken", "failed", "boom")
    poller.tick()
    ((key, op, state),) = outbox(deps)
    assert key.startswith("card:") and (op, state) == ("post", "pending")


def test_a_crashing_tick_is_logged_and_the_loop_goes_on(
    make: Callable[[], tuple[Deps, Poller, Lease]], api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    deps, poller, lease = make()
    lease.start()
    calls = {"n": 0}
    real = deps.client.list_workspaces

    def flaky(**kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("bug in a tick")
        return real(**kw)

    deps.client.list_workspaces = flaky  # type: ignore[method-assign]
    api.set("broken", "failed", "boom")
    poller.start()
    try:
        deadline = time.monotonic() + 10
        while not outbox(deps) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        poller.stop()
        lease.stop()
    assert len(outbox(deps)) == 1
    assert "alerts-poller: an iteration crashed" in caplog.text
    assert not [t for t in threading.enumerate() if t.name == "alerts-poller" and t.is_alive()]
