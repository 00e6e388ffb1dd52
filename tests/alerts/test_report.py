"""The report (bot/alerts/report.py) read from what the alert pipeline stores, and drawn as
Block Kit (bot/slack/report_views.py): the numbers a team asks for every week."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts import history_repo, repo, route_repo
from bot.alerts.model import Episode, EventKind, WorkspaceSnapshot
from bot.alerts.report import Reports
from bot.slack.report_views import compare, quiet_line, report_message
from bot.store import Store
from tests.alerts.blockkit import assert_valid, shown

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def ep(name: str, ws: str, kind: str, opened: datetime, closed: datetime | None = None, **kw: Any):
    fields: dict[str, Any] = {"status": kind, "message": kw.get("first_message")}
    fields.update(kw)
    return Episode(
        name,
        ws,
        kind,
        opened,
        closed_at=closed,
        closed_how="recovered" if closed else None,
        **fields,
    )


def save(store: Store, *episodes: Episode, seen: dict[str, WorkspaceSnapshot] | None = None):
    with store.transaction() as db:
        repo.save_tick(
            db,
            seen=seen or {},
            removed=[],
            episodes=episodes,
            cards=[],
            health=repo.ApiHealth(),
            reminded=[],
        )


def snap(status: str, stalled: bool = False) -> WorkspaceSnapshot:
    return WorkspaceSnapshot(status, None, NOW, 0, stalled, None)


LOCK = "Error acquiring the state lock: lock held by run {} since 2026-11-2{}T10:00:00Z"


def test_a_week_of_episodes_is_counted_timed_grouped_and_compared(store: Store) -> None:
    save(
        store,
        # This week: prod-eu flaps (3 failures, same error), dev fails once with another error.
        ep(
            "e1",
            "prod-eu",
            EventKind.FAILED,
            NOW - 6 * D,
            NOW - 6 * D + 2 * H,
            first_message=LOCK.format("run-111", 4),
        ),
        ep(
            "e2",
            "prod-eu",
            EventKind.FAILED,
            NOW - 4 * D,
            NOW - 4 * D + 4 * H,
            first_message=LOCK.format("run-222", 6),
        ),
        ep(
            "e3",
            "prod-eu",
            EventKind.FAILED,
            NOW - 2 * D,
            NOW - 2 * D + 6 * H,
            first_message=LOCK.format("run-333", 8),
        ),
        ep("e4", "dev", EventKind.FAILED, NOW - 1 * D, None, first_message="provider crashed"),
        # A conflict still open since last week, and an approval waiting.
        ep("c1", "billing", EventKind.CONFLICT, NOW - 9 * D, None),
        ep("a1", "payments", EventKind.APPROVAL, NOW - 3 * H, None),
        # Last week: one failure that lasted 1 hour.
        ep("old", "dev", EventKind.FAILED, NOW - 10 * D, NOW - 10 * D + H, first_message="x"),
        seen={
            "prod-eu": snap("success"),
            "dev": snap("failed"),
            "billing": snap("conflict"),
            "ops": snap("success", stalled=True),
            "web": snap("success"),
        },
    )
    with store.transaction() as db:
        route_repo.add_mute(db, "dev*", NOW + 5 * H, "maintenance", "UADMIN001")
        route_repo.add_mute(db, "later", NOW + 3 * D, "", "UADMIN001")
    store.claim_resolution("k1", workspace="billing", resolution="keep_local", user_id="U1")
    store.finish_resolution("k1", at=(NOW - H).isoformat())

    report = Reports(store, clock=lambda: NOW).last(7)

    assert report.fleet == (("failed", 1), ("conflict", 1), ("stalled", 1), ("success", 2))
    assert (report.now.failures, report.before.failures) == (4, 1)
    assert report.now.conflicts == 0 and report.open_conflicts == 1
    assert report.now.mean_recovery == 4 * H  # (2 + 4 + 6) / 3
    assert report.worst == ("prod-eu", 6 * H)
    # Broken: 2 + 4 + 6 h closed, dev open 1 day, billing's conflict all week.
    assert report.now.broken == 12 * H + D + 7 * D
    assert report.flapping == (("prod-eu", 3),)
    assert [(g.count, g.workspace) for g in report.errors] == [(3, "prod-eu"), (1, "dev")]
    assert "run-111" in report.errors[0].example  # a real message, not the fingerprint
    assert [w.workspace for w in report.oldest_conflicts] == ["billing"]
    assert [w.workspace for w in report.approvals] == ["payments"]
    assert [m.glob for m in report.mutes_ending] == ["dev*"]
    assert report.resolved == (("keep_local", 1),)
    assert not report.quiet

    payload = report_message(report, "fsync report, last 7 days")
    assert_valid(payload)
    text = shown(payload)
    assert "↑ 3 more failures than last week" in text
    for expected in ("prod-eu", "billing", "payments", "dev*", "keep_local", "provider crashed"):
        assert expected in text


def test_a_quiet_period_is_quiet(store: Store) -> None:
    save(store, ep("old", "dev", EventKind.FAILED, NOW - 10 * D, NOW - 10 * D + H))
    report = Reports(store, clock=lambda: NOW).last(1)
    assert report.quiet
    assert_valid(quiet_line("Daily fsync digest"))


def test_compare_words() -> None:
    assert compare(5, 2, "failures", "last week") == "↑ 3 more failures than last week"
    assert compare(1, 4, "failures", "last week") == "↓ 3 fewer failures than last week"
    assert compare(2, 2, "failures", "last week") == "= as many failures as last week"


def test_untrusted_error_text_is_escaped(store: Store) -> None:
    save(
        store,
        ep(
            "e1",
            "dev",
            EventKind.FAILED,
            NOW - H,
            None,
            first_message="<!channel> <https://evil|click> & `",
        ),
    )
    payload = report_message(Reports(store, clock=lambda: NOW).last(7), "report")
    assert_valid(payload)
    text = shown(payload)
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text


def test_ten_thousand_workspaces_give_valid_block_kit_within_limits(store: Store) -> None:
    names = [f"ws-{i:05d}" for i in range(10_000)]
    episodes = []
    for i, name in enumerate(names):
        for n in range(3):  # every workspace flaps
            opened = NOW - (n + 1) * D - timedelta(minutes=i % 600)
            episodes.append(
                ep(
                    f"f{i}-{n}",
                    name,
                    EventKind.FAILED,
                    opened,
                    opened + H,
                    first_message=f"error {i % 40} in module mod{i % 40}x: {'y' * 200}",
                )
            )
        episodes.append(ep(f"c{i}", name, EventKind.CONFLICT, NOW - 2 * D, None))
        episodes.append(ep(f"a{i}", name, EventKind.APPROVAL, NOW - D, None))
    save(store, *episodes, seen={name: snap("failed") for name in names})
    with store.transaction() as db:
        for i in range(200):
            route_repo.add_mute(db, f"ws-{i:05d}", NOW + H, "r" * 200, "UADMIN001")

    started = time.process_time()
    report = Reports(store, clock=lambda: NOW).last(30)
    payload = report_message(report, "fsync report, last 30 days")
    cpu = time.process_time() - started

    assert_valid(payload)
    assert len(payload["blocks"]) <= 50
    assert report.now.failures == 30_000 and report.open_conflicts == 10_000
    assert len(report.flapping) == 10_000
    text = shown(payload)
    assert "and 9990 more" in text and "and 9995 more" in text
    assert cpu < 10, f"report took {cpu:.1f} s of CPU"


def test_a_week_s_report_on_a_moving_clock_is_complete(store: Store) -> None:
    # The clock moves between readings, as a real one does: a second reading inside the report
    # once put the week before just past the 14 days kept, and every report said it was partial.
    ticks = iter(NOW + timedelta(microseconds=n) for n in range(100))
    report = Reports(store, clock=lambda: next(ticks)).last(7)
    assert report.complete
    assert "not counted" not in json.dumps(report_message(report, "report"))


def test_a_month_s_report_counts_what_only_history_still_holds(store: Store) -> None:
    # The alert pipeline forgets closed episodes after 14 days; history keeps them (90 days).
    old = ep("old", "billing", EventKind.FAILED, NOW - timedelta(days=20), NOW - timedelta(days=19))
    with store.transaction() as db:
        assert history_repo.record(db, [], [old])
    report = Reports(store, clock=lambda: NOW, keep=timedelta(days=90)).last(30)
    assert report.now.failures == 1 and report.now.recoveries == (timedelta(days=1),)
    assert report.complete and report.kept_days == 90
    assert "not counted" not in json.dumps(report_message(report, "report"))
    short = Reports(store, clock=lambda: NOW, keep=timedelta(days=14)).last(30)
    assert not short.complete
    assert "keeps 14 days of history" in json.dumps(report_message(short, "report"))
