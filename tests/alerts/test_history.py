"""History (issue 15): what the poller's ticks saw happen is kept, run by run and episode by
episode, and only when something changed; old history is pruned after FSYNC_HISTORY_DAYS.
The poller's tick in-process against a MockTransport Sync API, with a clock the test moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import wiring
from bot.alerts import history_repo, repo, upkeep
from bot.alerts.history_rows import RunSeen
from bot.alerts.poller import Poller
from bot.settings import Settings
from bot.slack.blockkit import message_problems
from bot.slack.deps import Deps
from bot.slack.history_view import history_message
from bot.store import Store
from tests.alerts.test_poller import Api
from tests.support.pollers import StepClock, mock_api_poller
from tests.support.postgres import settings_for, writes

START = datetime(2025, 10, 13, 10, 0, tzinfo=UTC)
LOCK = "Error acquiring the state lock: held by run 4f1c2a9e since 10:58"
TIMEOUT = "Error: registry.terraform.io/hashicorp/aws: request timed out after 30s"


class Clock(StepClock):
    def __init__(self) -> None:
        super().__init__(START)


class Script:
    """The fleet as the test scripts it: each `ran` is a sync that ended now."""

    def __init__(self, api: Api, clock: Clock) -> None:
        self.api, self.clock = api, clock

    def ran(self, name: str, run: str, status: str = "success", message: str | None = None) -> None:
        self.api.set(name, status, message)
        self.api.fleet[name]["last_sync"] = self.clock.now.isoformat()
        self.api.fleet[name]["last_run_id"] = run

    def starts(self, name: str, run: str) -> None:
        self.api.fleet[name].update(status="running", current_run_id=run)


def build(database: str, api: Api, clock: Clock, **settings: object) -> tuple[Deps, Poller]:
    """On SQLite, then on PostgreSQL (tests/conftest.py `database`) where a test takes it."""
    deps, poller, _ = mock_api_poller(api, clock=clock, **settings_for(database), **settings)
    return deps, poller


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def stored_runs(store: Store, workspace: str, since: datetime) -> list[RunSeen]:
    """What history holds for the workspace, with the runs the poller appended since the last
    fold folded first, as `/fsync history` folds them (bot/alerts/history.py)."""
    with store.transaction() as tx:
        history_repo.fold(tx, workspace)
    return history_repo.runs(store.db, workspace, since)


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def test_the_history_of_a_workspace_is_what_the_ticks_saw_happen(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(0.5)
    script.starts("web", "run-2")
    poller.tick()
    clock.now = at(1)
    script.ran("web", "run-2", "failed", LOCK)
    poller.tick()
    clock.now = at(2)
    script.ran("web", "run-3", "failed", TIMEOUT)
    poller.tick()
    clock.now = at(4)
    script.ran("web", "run-4")
    poller.tick()

    db = deps.store.db
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.started_at, r.finished_at) for r in runs] == [
        ("run-1", "success", None, at(0)),
        ("run-2", "failed", at(0.5), at(1)),  # seen starting, then ending: one row
        ("run-3", "failed", None, at(2)),
        ("run-4", "success", None, at(4)),
    ]
    assert [r.fingerprint for r in runs] == [
        "",
        "Error acquiring the state lock: held by run <id> since <time>",
        "Error: registry.terraform.io/hashicorp/aws: request timed out after <duration>",
        "",
    ]
    (episode,) = history_repo.episodes(db, "web", START)
    assert (episode.kind, episode.opened_at, episode.closed_at, episode.closed_how) == (
        "failed",
        at(1),
        at(4),
        "recovered",
    )
    assert episode.failures == 2
    assert episode.first_error == LOCK
    assert episode.last_error == TIMEOUT


def test_a_poll_that_changes_nothing_writes_nothing(database: str, api: Api, clock: Clock) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1", "failed", "boom")
    script.ran("api", "run-9")
    poller.tick()
    rows = deps.store.db.execute(
        "SELECT (SELECT count(*) FROM history_runs), (SELECT count(*) FROM history_episodes)"
    ).fetchone()
    assert tuple(rows) == (2, 1)
    before = writes(deps.store)
    for minutes in (1, 2, 3):
        clock.now = at(minutes / 60)
        poller.tick()
    assert writes(deps.store) == before  # no row written, not even one rewritten the same


def test_history_older_than_fsync_history_days_is_pruned_and_alerting_is_untouched(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock, history_days=30)
    script = Script(api, clock)
    script.ran("old", "run-1", "failed", "boom")
    script.ran("stuck", "run-2", "failed", "still broken")
    poller.tick()
    clock.now = at(1)
    script.ran("old", "run-3")
    poller.tick()  # old's episode closes, 40 days before the prune below
    clock.now = at(24 * 30)
    script.ran("recent", "run-4", "failed", "boom")
    poller.tick()
    clock.now = at(24 * 31)
    script.ran("recent", "run-5")
    poller.tick()
    open_alerts = set(poller.open)

    clock.now = at(24 * 41)
    poller.lease.release()
    _, later = build(database, api, clock, history_days=30)  # a new process: it prunes at once
    later.tick()
    db = deps.store.db
    since = START - timedelta(days=1)
    assert stored_runs(deps.store, "old", since) == []
    assert history_repo.episodes(db, "old", since) == []
    assert [r.run_id for r in stored_runs(deps.store, "recent", since)] == ["run-4", "run-5"]
    assert len(history_repo.episodes(db, "recent", since)) == 1
    # An episode still open is kept however old; its run (41 days ago) is not.
    assert [e.kind for e in history_repo.episodes(db, "stuck", since)] == ["failed"]
    assert set(later.open) == open_alerts  # alerting's own episodes are not history's to prune


def test_fsync_history_days_reaches_the_poller_and_defaults_to_90(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {"db_path": tmp_path / "fsync.db", "firestartr_api_key": "k"}
    default = wiring.build(Settings(slack_bot_token="xoxb-test", **settings))  # type: ignore[arg-type]
    assert default.workers[0].history_keep == timedelta(days=90)  # type: ignore[attr-defined]
    monkeypatch.setenv("FSYNC_HISTORY_DAYS", "30")
    thirty = wiring.build(Settings(slack_bot_token="xoxb-test", **settings))  # type: ignore[arg-type]
    assert thirty.workers[0].history_keep == timedelta(days=30)  # type: ignore[attr-defined]
    monkeypatch.setenv("FSYNC_HISTORY_DAYS", "0")
    with pytest.raises(ValueError, match=r"FSYNC_HISTORY_DAYS|history_days"):
        Settings(slack_bot_token="xoxb-test", **settings)  # type: ignore[arg-type]


def test_the_history_service_and_view_say_what_the_ticks_saw(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(1)
    script.ran("web", "run-2", "failed", LOCK)
    poller.tick()
    clock.now = at(4)
    script.ran("web", "run-3")
    poller.tick()
    for outcome, user in (("ok", "UOPER0001"), ("denied", "UVIEW0001")):
        deps.store.audit(
            user_id=user,
            action="approve",
            workspace="web",
            args={"run_id": "run-3"},
            outcome=outcome,
            at=at(3),
        )
    clock.now = at(6)
    assert deps.history is not None
    history = deps.history.history("web", 7)
    assert history.success_rate == 2 / 3
    assert history.mttr == timedelta(hours=3)
    assert [(t.user, t.action, t.what) for t in history.taken] == [
        ("UOPER0001", "approve", "run-3")
    ]  # a refusal is not something that was done
    said = history_message(history)
    assert message_problems(said) == []
    text = json.dumps(said, ensure_ascii=False)
    assert "*67%* of 3 runs succeeded · 1 episode · mean time to recovery *3h*" in text
    assert "Oct 07 ······▆" in text  # watched since this morning, broken 3h of it
    assert "<@UOPER0001> approved a plan (`run-3`)" in text and "UVIEW0001" not in text


def test_successes_in_a_row_on_one_day_share_a_row_and_each_still_counts(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    for n, hours in enumerate((0, 1, 2), start=1):  # three successes on Oct 13
        clock.now = at(hours)
        script.ran("web", f"run-{n}")
        poller.tick()
    clock.now = at(2.5)
    script.starts("web", "run-4")
    poller.tick()
    clock.now = at(3)
    script.ran("web", "run-4")  # seen starting, then joins the row
    poller.tick()
    clock.now = at(5)
    script.ran("web", "run-5", "failed", "boom")
    poller.tick()
    clock.now = at(6)
    script.ran("web", "run-6")  # a recovery: a row of its own
    poller.tick()
    clock.now = at(14)  # Oct 14, 00:00: another day, another row
    script.ran("web", "run-7")
    poller.tick()
    clock.now = at(15)
    script.ran("web", "run-8")
    poller.tick()

    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.runs, r.finished_at) for r in runs] == [
        ("run-4", "success", 4, at(3)),
        ("run-5", "failed", 1, at(5)),
        ("run-6", "success", 1, at(6)),
        ("run-8", "success", 2, at(15)),
    ]
    assert deps.history is not None
    history = deps.history.history("web", 7)
    assert (history.finished_runs, history.success_rate) == (8, 7 / 8)
    text = json.dumps(history_message(history), ensure_ascii=False)
    assert "*88%* of 8 runs succeeded" in text
    assert "success ×2, the last `run-8`" in text


@pytest.mark.parametrize("run_ids", [True, False], ids=["run ids", "no run ids"])
def test_a_restart_after_routine_successes_counts_each_run_once(
    database: str, api: Api, clock: Clock, run_ids: bool
) -> None:
    """A success after a success writes no snapshot row (repo.routine: at 50,000 workspaces they
    were a fifth of a tick), so the stored snapshot is behind; a restart must still not count
    a run history holds, and must count the one that ran while fsync was down."""
    deps, poller = build(database, api, clock)
    script = Script(api, clock)

    def ran(run: str) -> None:
        script.ran("web", run)
        if not run_ids:
            api.fleet["web"]["last_run_id"] = None

    api.set("db")  # another workspace, never changing
    for n, hours in enumerate((0, 1, 2), start=1):
        clock.now = at(hours)
        ran(f"run-{n}")
        poller.tick()
    assert repo.load_snapshot(deps.store.db)["web"].last_sync == at(0)  # not rewritten
    for hours, run in ((2.5, None), (3, "run-4")):  # a restart, then one after a run while down
        clock.now = at(hours)
        if run:
            ran(run)
        poller.load()  # what a restart or a lease taken over does before its first poll
        poller.tick()

    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.outcome, r.runs, r.finished_at) for r in runs] == [("success", 4, at(3))]
    clock.now = at(4)
    script.ran("web", "run-5", "failed", "boom")  # a change of status is written at once
    poller.tick()
    assert repo.load_snapshot(deps.store.db)["web"].last_sync == at(4)


def test_a_run_told_by_its_id_alone_is_kept_once_and_a_reused_id_does_not_hide_a_sync(
    database: str, api: Api, clock: Clock
) -> None:
    """APIs differ on what moves when a run ends (the simulator's forced states are examples):
    a failure may come with a new run id and the old last_sync, a success with a new last_sync
    and the old run id, and a status may change with neither."""
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(1)
    api.fleet["web"].update(status="failed", message="boom", last_run_id="run-2")
    poller.tick()  # last_sync as it was: it ended about now
    clock.now = at(2)
    api.fleet["web"].update(status="conflict", message="drift", open_conflicts=1)
    poller.tick()  # run-2 again: a status changed, no run ended
    clock.now = at(3)
    api.fleet["web"].update(status="success", message=None, open_conflicts=0)
    api.fleet["web"]["last_sync"] = clock.now.isoformat()
    poller.tick()  # a new sync that still says run-2

    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.finished_at) for r in runs] == [
        ("run-1", "success", at(0)),
        ("run-2", "failed", at(1)),
        (None, "success", at(3)),
    ]


def test_a_ticks_runs_wait_for_the_fold_and_the_history_command_folds_its_workspace(
    database: str, api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs are appended in the tick and folded every FOLD_EVERY (a page of history_runs then
    takes many runs); whoever reads a workspace's history folds its runs first."""
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    for name in ("web", "api", "db"):
        script.ran(name, f"{name}-1")
    poller.tick()  # the first tick folds at once: what a process before this one left
    pending = "SELECT workspace FROM history_pending ORDER BY seq"
    assert deps.store.db.execute(pending).fetchall() == []
    clock.now = at(1)
    script.ran("web", "web-2")
    script.ran("api", "api-2", "failed", "boom")
    poller.tick()
    assert [w for (w,) in deps.store.db.execute(pending).fetchall()] == ["web", "api"]
    assert deps.history is not None
    assert deps.history.history("web", 7).finished_runs == 2  # /fsync history web folds web's
    assert [w for (w,) in deps.store.db.execute(pending).fetchall()] == ["api"]
    monkeypatch.setattr(upkeep, "FOLD_EVERY", 0.0)  # the next tick is FOLD_EVERY later
    clock.now = at(2)
    poller.tick()
    assert deps.store.db.execute(pending).fetchall() == []
    assert [(r.outcome, r.runs) for r in stored_runs(deps.store, "api", START)] == [
        ("success", 1),
        ("failed", 1),
    ]


def test_history_that_cannot_be_written_never_stops_an_alert(
    database: str, api: Api, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    deps, poller = build(database, api, clock)
    Script(api, clock).ran("web", "run-1", "failed", "boom")
    for table in ("history_pending", "history_runs"):  # damaged tables, a bug: history fails
        deps.store.db.execute(f"DROP TABLE {table}")
    assert poller.tick() == 1  # the poll went through (the next one in an interval)
    queued = deps.store.db.execute("SELECT op, state, kind FROM alert_outbox").fetchall()
    assert queued == [("post", "pending", "failed")]
    assert [e.workspace for e in poller.open.values()] == ["web"]
    assert history_repo.episodes(deps.store.db, "web", START) == []  # undone with the runs
    assert "the history of this poll is not kept; its alerts are" in caplog.text
    assert "history not folded; the next fold tries again" in caplog.text
    assert "not pruned; the next prune tries again" in caplog.text


def test_runs_that_cannot_be_folded_are_dropped_and_the_next_ones_kept(
    database: str, api: Api, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()  # a first tick folds at once (what a last process left, and its own)
    clock.now = at(1)
    script.ran("web", "run-2", "failed", "x" * 2000)
    poller.tick()
    deps.store.db.execute(  # a row fsync cannot read back into a run (year 3e12): folding fails
        "UPDATE history_pending SET finished_at = 1e20"
    )
    assert [(r.run_id, r.runs) for r in stored_runs(deps.store, "web", START)] == [("run-1", 1)]
    assert "a pending run of web could not be read; its history is not kept" in caplog.text
    clock.now = at(2)
    script.ran("web", "run-3")
    poller.tick()
    assert [(r.run_id, r.runs) for r in stored_runs(deps.store, "web", START)] == [("run-3", 2)]
    assert poller.upkeep.fold() == 0  # nothing left pending


# Found by an independent review of the fold and the routine snapshot rows.
def test_a_status_told_again_after_a_joined_success_in_one_fold_is_not_another_run(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(1)
    script.ran("web", "run-2")  # joins run-1's row: written when the fold ends
    poller.tick()
    clock.now = at(2)
    api.fleet["web"].update(status="conflict", message="drift", open_conflicts=1)
    poller.tick()  # run-2 told again, in the same fold as its join
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.run_id, r.outcome, r.runs) for r in runs] == [("run-2", "success", 2)]


def test_a_pending_run_that_cannot_be_read_leaves_out_itself_only(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "web-1")
    script.ran("api", "api-1")
    poller.tick()
    clock.now = at(1)
    script.ran("web", "web-2", "failed", "boom")
    script.ran("api", "api-2", "failed", "boom")
    poller.tick()
    deps.store.db.execute("UPDATE history_pending SET finished_at = 1e20 WHERE workspace = 'api'")
    assert poller.upkeep.fold() == 1
    web = history_repo.runs(deps.store.db, "web", START - timedelta(days=1))
    assert [(r.run_id, r.outcome) for r in web] == [("web-1", "success"), ("web-2", "failed")]


def test_a_restart_does_not_count_again_a_sync_kept_under_its_workspace_and_time(
    database: str, api: Api, clock: Clock
) -> None:
    """An API that keeps last_run_id while last_sync moves: the second sync is kept as
    `web@<time>`; a restart after it is folded counts nothing more."""
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(14)
    api.fleet["web"]["last_sync"] = clock.now.isoformat()
    poller.tick()
    poller.upkeep.fold()
    clock.now = at(14.5)
    poller.load()
    poller.tick()
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.outcome, r.runs, r.finished_at) for r in runs] == [
        ("success", 1, at(0)),
        ("success", 1, at(14)),
    ]


def test_a_restart_counts_a_sync_that_ran_while_down_when_the_api_kept_the_run_id(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(1)
    api.fleet["web"]["last_sync"] = clock.now.isoformat()
    poller.tick()
    clock.now = at(2)
    api.fleet["web"]["last_sync"] = clock.now.isoformat()  # while fsync was down
    poller.load()
    poller.tick()
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.outcome, r.runs, r.finished_at) for r in runs] == [("success", 3, at(2))]


def test_a_failure_told_by_its_id_alone_after_a_restart_opens_when_it_was_seen(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    script = Script(api, clock)
    script.ran("web", "run-1")
    poller.tick()
    clock.now = at(1)
    script.ran("web", "run-2")  # a routine success: its snapshot row is not written
    poller.tick()
    clock.now = at(2)
    api.fleet["web"].update(status="failed", message="boom", last_run_id="run-3")
    poller.load()
    poller.tick()
    (episode,) = [e for e in poller.open.values() if e.workspace == "web"]
    assert episode.opened_at == at(2)
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.outcome, r.finished_at) for r in runs] == [("success", at(1)), ("failed", at(2))]


def test_a_restart_does_not_count_again_a_sync_without_id_from_an_api_clock_ahead(
    database: str, api: Api, clock: Clock
) -> None:
    deps, poller = build(database, api, clock)
    ahead = timedelta(minutes=10)

    def ran() -> None:
        api.set("web")
        api.fleet["web"]["last_sync"] = (clock.now + ahead).isoformat()
        api.fleet["web"]["last_run_id"] = None

    ran()
    poller.tick()
    clock.now = at(1)
    ran()
    poller.tick()
    clock.now = at(1) + timedelta(minutes=3)
    poller.load()
    poller.tick()
    runs = stored_runs(deps.store, "web", START - timedelta(days=1))
    assert [(r.outcome, r.runs) for r in runs] == [("success", 2)]
