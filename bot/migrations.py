"""The fsync database's schema, one set of migrations for SQLite and PostgreSQL: `Store` applies
them when it opens (SQLite through sqlite-utils' Migrations; PostgreSQL through
bot/postgres.py's `apply_migrations`, which calls the same functions with a PgDatabase).

Add a migration at the end, never change what one that has shipped does: a database remembers
which it ran. (m004's words changed once, to ones PostgreSQL knows too; what it does did not.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.sqlite_lib import Migrations


class Db(Protocol):
    """What a migration calls: sqlite-utils' Database, or bot/postgres.py's PgDatabase."""

    def table(self, name: str) -> Any: ...

    def execute(self, sql: str, parameters: Any = None) -> Any: ...


migrations = Migrations("fsync")
STEPS: list[Callable[[Any], None]] = []  # the same functions, in order, for PostgreSQL


def _step(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    STEPS.append(fn)
    migrations()(fn)
    return fn


@_step
def m001_core(db: Db) -> None:
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "user_id": str,
            "action": str,
            "workspace": str,
            "args": str,
            "outcome": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["workspace", "id"])
    # One row per conflict a person resolved through fsync: the claim that stops double clicks.
    db.table("resolutions").create(
        {
            "conflict_id": str,
            "workspace": str,
            "resolution": str,
            "user_id": str,
            "at": str,
            "state": str,
        },
        pk="conflict_id",
    )
    db.table("kv").create({"key": str, "value": str, "updated_at": str}, pk="key")


@_step
def m002_alerts(db: Db) -> None:
    """The alert pipeline (bot/alerts): snapshot, episodes, cards, outbox, routes, mutes, lease."""
    # The last poll, one row per workspace: what the next poll is compared with.
    db.table("alert_snapshot").create(
        {
            "name": str,
            "status": str,
            "message": str,
            "last_sync": str,
            "open_conflicts": int,
            "stalled": int,
            "episode": str,
        },
        pk="name",
    )
    # One stretch of a workspace (or the Sync API) being broken, from first news to recovery.
    db.table("alert_episodes").create(
        {
            "id": str,
            "workspace": str,
            "kind": str,
            "opened_at": str,
            "status": str,
            "message": str,
            "first_message": str,
            "failures": int,
            "conflicts": str,
            "closed_at": str,
            "closed_how": str,
        },
        pk="id",
    )
    db.table("alert_episodes").create_index(["closed_at"])
    # Slack messages fsync keeps up to date (cards and digests); ts is set once posted.
    db.table("alert_cards").create(
        {"key": str, "channel": str, "kind": str, "ts": str, "created_at": str}, pk="key"
    )
    # Which card carries an episode in a channel: one card per (episode, channel).
    db.table("alert_links").create(
        {"episode": str, "channel": str, "card": str}, pk=("episode", "channel")
    )
    db.table("alert_links").create_index(["card"])
    db.table("alert_outbox").create(
        {
            "id": int,
            "key": str,
            "channel": str,
            "op": str,
            "card": str,
            "payload": str,
            "state": str,
            "kind": str,
            "episode": str,
            "attempts": int,
            "next_at": float,
            "ambiguous": int,
            "claimed_by": str,
            "claimed_until": float,
            "error": str,
            "ts": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        defaults={"attempts": 0, "next_at": 0.0, "ambiguous": 0},
        not_null={"key", "channel", "op", "state"},
    )
    db.table("alert_outbox").create_index(["key"], unique=True)
    db.table("alert_outbox").create_index(["state", "channel", "id"])
    db.table("alert_routes").create(
        {"channel": str, "glob": str, "events": str, "created_by": str, "created_at": str},
        pk=("channel", "glob"),
    )
    db.table("alert_channels").create(
        {"channel": str, "disabled_reason": str, "disabled_at": str}, pk="channel"
    )
    db.table("alert_mutes").create(
        {
            "glob": str,
            "until": str,
            "reason": str,
            "user_id": str,
            "created_at": str,
            "reminded": int,
        },
        pk="glob",
        defaults={"reminded": 0},
    )
    db.table("alert_lease").create({"name": str, "holder": str, "expires_at": float}, pk="name")
    db.table("alert_state").create({"key": str, "value": str}, pk="key")


@_step
def m003_seen_requests(db: Db) -> None:
    """What fsync has already acted on (bot/slack/once.py): signatures, event ids, clicks.

    A row lives until `until` (epoch seconds), after which Slack's 5-minute window refuses the
    same request anyway; the unique key makes "first time?" one atomic INSERT OR IGNORE.
    """
    db.table("seen_requests").create({"key": str, "until": float}, pk="key", not_null={"until"})
    db.table("seen_requests").create_index(["until"])


@_step
def m004_one_key_value_table(db: Db) -> None:
    """alert_state's rows move into kv under "alerts.<key>" (kv held only "fleet" until now, so
    nothing collides) and alert_state goes: one key/value table, read through bot.facts.Facts."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    # `WHERE true`: SQLite reads an upsert after a bare SELECT's FROM as a join otherwise.
    db.execute(
        "INSERT INTO kv (key, value, updated_at) "
        "SELECT 'alerts.' || key, value, ? FROM alert_state WHERE true "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [now],
    )
    db.table("alert_state").drop()


@_step
def m005_requesters_and_owners(db: Db) -> None:
    """Issue 14: who is told when their run ends (bot/core/requesters.py) and who owns which
    workspaces (bot/core/owners.py)."""
    # A person's choice; no row: on.
    db.table("notify_prefs").create({"user_id": str, "dms": int, "updated_at": str}, pk="user_id")
    # Runs started through fsync, followed to their end again after a restart.
    db.table("run_requests").create(
        {
            "run_id": str,
            "workspace": str,
            "user_id": str,
            "asked_in": str,
            "channel": str,
            "ts": str,
            "created_at": str,
            "done": int,
        },
        pk="run_id",
        defaults={"done": 0},
    )
    # One row per DM sent (or being sent) about a run: "waiting" for a plan, "final" at its end.
    # The primary key is the claim that makes it once, across threads, processes and restarts.
    db.table("run_dms").create(
        {"run_id": str, "phase": str, "status": str, "at": str}, pk=("run_id", "phase")
    )
    db.table("workspace_owners").create(
        {"glob": str, "owners": str, "user_id": str, "updated_at": str}, pk="glob"
    )


@_step
def m006_history(db: Db) -> None:
    """Issue 15: what happened, kept for FSYNC_HISTORY_DAYS (bot/alerts/history_repo.py). Written
    in the poller's tick transaction, only for what changed; alert_episodes is pruned after 14
    days for alerting's sake, so history keeps its own copy of each episode."""
    # One row per run seen (`id`: the run id, or `<workspace>@<last_sync>` when the API gave none),
    # except that successes in a row on one UTC day share one row: `runs` of them, the last one's
    # id and end. A workspace syncing every 5 minutes would otherwise cost 26,000 rows in 90 days.
    db.table("history_runs").create(
        {
            "id": str,
            "workspace": str,
            "run_id": str,
            "started_at": str,
            "finished_at": str,
            "outcome": str,
            "fingerprint": str,
            "message": str,
            "runs": int,
        },
        pk="id",
        defaults={"runs": 1},
    )
    db.table("history_runs").create_index(["workspace", "finished_at"])
    db.table("history_episodes").create(
        {
            "id": str,
            "workspace": str,
            "kind": str,
            "opened_at": str,
            "closed_at": str,
            "closed_how": str,
            "failures": int,
            "conflicts": int,
            "first_error": str,
            "last_error": str,
        },
        pk="id",
    )
    db.table("history_episodes").create_index(["workspace", "opened_at"])
    db.table("history_episodes").create_index(["closed_at"])


@_step
def m007_digest_schedules(db: Db) -> None:
    """Issue 15: the channels that get the report on schedule (bot/alerts/digest_repo.py).
    `at` is wall-clock HH:MM in `zone` (IANA); `since` is when it was set: a due time before it
    is not posted (setting a digest at 10:00 for 09:00 does not post today's at once)."""
    db.table("digest_schedules").create(
        {
            "channel": str,
            "every": str,
            "at": str,
            "zone": str,
            "user_id": str,
            "since": str,
        },
        pk="channel",
        not_null={"every", "at", "zone", "since"},
    )


@_step
def m008_history_pending(db: Db) -> None:
    """Issue 16: the runs a tick saw, appended in the tick and folded into history_runs a few
    minutes' worth at a time (bot/alerts/history_pending.py): a run folded at once dirtied a
    page of history_runs of its own, half of a tick at 50,000 workspaces. `seq` is their order."""
    db.table("history_pending").create(
        {
            "seq": int,
            "id": str,
            "workspace": str,
            "run_id": str,
            "started_at": float,  # POSIX seconds: a pending run's times are only read back
            "finished_at": float,
            "outcome": str,
            "fingerprint": str,
            "message": str,
            "fresh": int,
            "last_sync": float,
        },
        pk="seq",
    )
