"""The fleet's picture from history: seconds broken per workspace and UTC day (the heat map's
input), with episodes across midnight split, open ones counted until now, approvals left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.alerts import history_repo
from bot.alerts.history import broken_by_day
from bot.alerts.history_rows import EpisodeSeen
from bot.alerts.model import Episode
from bot.slack.charts import Chart, broken_heatmap
from bot.store import Store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # today is Nov 30; 3 days: Nov 28, 29, 30
H = 3600.0


def episode(name: str, kind: str, opened: datetime, closed: datetime | None) -> EpisodeSeen:
    return EpisodeSeen(f"ep-{name}-{opened:%d%H}", name, kind, opened, closed, None, 1, 0, "x", "x")


def test_seconds_broken_per_day_split_at_midnight_open_until_now_approvals_left_out() -> None:
    eps = [
        episode(
            "a",
            "failed",
            datetime(2026, 11, 28, 22, tzinfo=UTC),
            datetime(2026, 11, 29, 2, tzinfo=UTC),
        ),
        episode("b", "conflict", datetime(2026, 11, 30, 6, tzinfo=UTC), None),  # still open
        episode("c", "approval", datetime(2026, 11, 29, 1, tzinfo=UTC), None),  # waits: not broken
        episode(
            "d",
            "stalled",
            datetime(2026, 11, 20, tzinfo=UTC),
            datetime(2026, 11, 28, 1, tzinfo=UTC),
        ),
    ]
    assert broken_by_day(eps, NOW, 3) == {
        "a": [2 * H, 2 * H, 0.0],
        "b": [0.0, 0.0, 6 * H],
        "d": [1 * H, 0.0, 0.0],  # only what falls in the period
    }


def test_the_fleet_s_history_draws_the_worst_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "fsync.db")
    rows = [
        Episode(
            "e1",
            "web",
            "failed",
            NOW - timedelta(hours=30),
            "failed",
            closed_at=NOW - timedelta(hours=2),
        ),
        Episode(
            "e2",
            "db",
            "failed",
            NOW - timedelta(hours=3),
            "failed",
            closed_at=NOW - timedelta(hours=2),
        ),
    ]
    with store.transaction() as db:
        assert history_repo.record(db, [], rows)
    broken = broken_by_day(history_repo.episodes(store.db, None, NOW - timedelta(days=7)), NOW, 7)
    chart = broken_heatmap(broken, [f"d{n}" for n in range(7)], title="Time broken")
    assert isinstance(chart, Chart) and chart.workspaces == ("web", "db")
    assert chart.png.startswith(b"\x89PNG")
