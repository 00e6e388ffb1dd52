"""Unit tests of the alert pipeline: real Store on a temporary file, real Block Kit validation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.authz import Policy
from bot.firestartr.models import Workspace
from bot.store import Store
from tests.alerts.historyslack import HistorySlack

NOW = datetime(2025, 10, 13, 14, 0, tzinfo=UTC)
POLICY = Policy(frozenset({"UADMIN001"}), frozenset({"UOPER0001"}), ("prod*",))


def ws(name: str, status: str = "success", message: str | None = None, **kw: Any) -> Workspace:
    """A workspace as the API lists it; synced a minute ago, next sync in nine."""
    fields: dict[str, Any] = {
        "name": name,
        "status": status,
        "message": message,
        "sync_interval": "10m",
        "last_sync": NOW - timedelta(minutes=1),
        "next_sync": NOW + timedelta(minutes=9),
    }
    fields.update(kw)
    return Workspace.model_validate(fields)


@pytest.fixture
def store(database: str) -> Store:
    """On SQLite, then on PostgreSQL: every alert test that takes `store` runs on both."""
    return Store(database)


@pytest.fixture(scope="session")
def slack_server() -> Iterator[HistorySlack]:
    fake = HistorySlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(slack_server: HistorySlack) -> HistorySlack:
    """The session's fake Slack, with an empty record."""
    slack_server.reset()
    slack_server.slow.clear()
    return slack_server
