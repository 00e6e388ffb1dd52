"""The alert tables of a tick (bot/migrations.py m002_alerts): the snapshot, the episodes, the
cards and their links; and writing one tick at once.

Functions take the `Db` of the calling thread (`store.db`, or the one a
`store.transaction()` yields) so that a tick's writes share its transaction. Each alert table is
read and written by one module (tests/test_layers.py keeps it so): routes, disabled channels and
mutes by bot/alerts/route_repo.py, the outbox by bot/alerts/outbox.py, the lease by
bot/alerts/lease.py, and the Sync API's health is a fact in bot.store's kv table.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.alerts import route_repo
from bot.alerts.api_health import ApiHealth
from bot.alerts.model import Card, Episode, Mute, WorkspaceSnapshot
from bot.engine import Db
from bot.facts import Facts
from bot.sql import insert_new, replace_into
from bot.times import iso, maybe_iso, now_iso

API_HEALTH = "alerts.api"  # the key of the Sync API's health in the kv table (bot.facts.Facts)


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- snapshot and episodes -----------------------------------------------------------------------
def load_snapshot(db: Db) -> dict[str, WorkspaceSnapshot]:
    rows = db.execute(
        "SELECT name, status, message, last_sync, open_conflicts, stalled, episode "
        "FROM alert_snapshot"
    ).fetchall()
    # Names and statuses interned: each name is one string shared with the listing's models
    # (bot/firestartr/models.py), and the statuses are a handful, not one per row (benchmark 2).
    return {
        _shared(name): WorkspaceSnapshot(
            _shared(status), message, _dt(last_sync), open_conflicts or 0, bool(stalled), episode
        )
        for name, status, message, last_sync, open_conflicts, stalled, episode in rows
    }


_SNAPSHOT_UPSERT = replace_into(
    "alert_snapshot", "name, status, message, last_sync, open_conflicts, stalled, episode", "name"
)


def _shared(text: Any) -> Any:
    return sys.intern(text) if type(text) is str else text


_EPISODE_COLUMNS = (
    "id, workspace, kind, opened_at, status, message, first_message, failures, conflicts, "
    "closed_at, closed_how"
)


def _episode(row: Sequence[Any]) -> Episode:
    (id_, workspace, kind, opened, status, message, first, failures, conflicts, closed, how) = row
    return Episode(
        id=id_,
        workspace=workspace or "",
        kind=kind,
        opened_at=datetime.fromisoformat(opened),
        status=status or "",
        message=message,
        first_message=first,
        failures=failures or 0,
        # Most episodes have none: a digest's members are read on every tick it changes.
        conflicts=tuple(json.loads(conflicts)) if conflicts and conflicts != "[]" else (),
        closed_at=_dt(closed),
        closed_how=how,
    )


def _episode_row(ep: Episode) -> tuple[Any, ...]:
    return (
        ep.id,
        ep.workspace,
        ep.kind,
        iso(ep.opened_at),
        ep.status,
        ep.message,
        ep.first_message,
        ep.failures,
        json.dumps(list(ep.conflicts), default=str),
        maybe_iso(ep.closed_at),
        ep.closed_how,
    )


def open_episodes(db: Db) -> dict[str, Episode]:
    rows = db.execute(
        f"SELECT {_EPISODE_COLUMNS} FROM alert_episodes WHERE closed_at IS NULL"  # noqa: S608
    ).fetchall()
    return {row[0]: _episode(row) for row in rows}


def member_ids(db: Db, card: str) -> list[str]:
    """The ids of the episodes a digest carries, by id: the same order on every read (Postgres
    moves a row it updates), as bot/alerts/members.py keeps them."""
    rows = db.execute(
        "SELECT id FROM alert_episodes "
        "WHERE id IN (SELECT episode FROM alert_links WHERE card = ?) ORDER BY id",
        [card],
    ).fetchall()
    return [str(row[0]) for row in rows]


def link_count(db: Db, card: str) -> int:
    """How many episodes a card carries: its links are written with it and only ever pruned
    after, so while this holds still so do its members (bot/alerts/members.py)."""
    row = db.execute("SELECT count(*) FROM alert_links WHERE card = ?", [card]).fetchone()
    return int(row[0]) if row else 0


def episodes_by_id(db: Db, ids: Sequence[str]) -> dict[str, Episode]:
    found: dict[str, Episode] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.execute(
            f"SELECT {_EPISODE_COLUMNS} FROM alert_episodes "  # noqa: S608
            f"WHERE id IN ({','.join('?' * len(chunk))})",
            list(chunk),
        ).fetchall()
        found.update((str(row[0]), _episode(row)) for row in rows)
    return found


def links(db: Db, episode_ids: Iterable[str]) -> dict[str, dict[str, tuple[str, str]]]:
    found: dict[str, dict[str, tuple[str, str]]] = {}
    ids = sorted(set(episode_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT l.episode, l.channel, l.card, c.kind FROM alert_links l "  # noqa: S608
            f"JOIN alert_cards c ON c.key = l.card WHERE l.episode IN ({marks})",
            chunk,
        ).fetchall()
        for episode, channel, card, kind in rows:
            found.setdefault(episode, {})[channel] = (card, kind)
    return found


def episodes_between(db: Db, start: datetime, end: datetime) -> list[Episode]:
    """Episodes open at some moment of [start, end): the reports' (bot/alerts/report.py) input.
    Compared as text a day wider, then exactly: stored moments may differ in precision."""
    rows = db.execute(
        f"SELECT {_EPISODE_COLUMNS} FROM alert_episodes "  # noqa: S608
        "WHERE opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)",
        [iso(end + timedelta(days=1)), iso(start - timedelta(days=1))],
    ).fetchall()
    found = [_episode(row) for row in rows]
    return [
        ep for ep in found if ep.opened_at < end and (ep.closed_at is None or ep.closed_at >= start)
    ]


# --- the Sync API's health -----------------------------------------------------------------------
def load_health(db: Db, episodes: Mapping[str, Episode]) -> ApiHealth:
    fact = Facts(db).get(API_HEALTH)
    if fact is None:
        return ApiHealth()
    data = fact.value
    return ApiHealth(
        failures=data.get("failures", 0),
        since=_dt(data.get("since")),
        error=data.get("error", ""),
        episode=episodes.get(data.get("episode") or ""),
    )


def _health_fact(health: ApiHealth) -> dict[str, Any]:
    return {
        "failures": health.failures,
        "since": maybe_iso(health.since),
        "error": health.error,
        "episode": health.episode.id if health.episode else None,
    }


def card_ts(db: Db, card: str) -> str | None:
    """The Slack ts of a card's message, once it is posted."""
    found = db.execute("SELECT ts FROM alert_cards WHERE key = ?", [card]).fetchone()
    return found[0] if found and found[0] else None


def card_posted(db: Db, card: str, ts: str) -> None:
    """The card's message is in Slack at `ts` (the first post wins)."""
    db.execute("UPDATE alert_cards SET ts = ? WHERE key = ? AND ts IS NULL", [ts, card])


# --- one tick, in the caller's transaction ------------------------------------------------------
def routine(before: WorkspaceSnapshot | None, after: WorkspaceSnapshot) -> bool:
    """A success after a success, nothing else changed but last_sync: the row is not written.

    At 50,000 workspaces with 1% syncing between polls, writing those ~500 rows was a fifth of
    the tick (bench/poll_tick). The stored row is behind until the run that moved it is folded
    into history (`advance_last_sync`); a poller folds before it loads the snapshot."""
    return (  # field by field: _replace cost more than the rest of the check (500 a tick)
        before is not None
        and after.status == before.status == "success"
        and after.episode is None
        and before.episode is None
        and after.message == before.message
        and after.open_conflicts == before.open_conflicts
        and after.stalled == before.stalled
    )


_SNAPSHOT_OF = "SELECT name, status, last_sync, episode FROM alert_snapshot WHERE name IN ({})"


def advance_last_sync(db: Db, synced: Mapping[str, datetime]) -> None:
    """Bring routine rows (successes not written, `routine`) up to the last_sync their runs
    moved, as history folds them (history_repo.fold): a success row without an episode whose
    stored last_sync is older. A row written since (a failure, a later success) is left."""
    names = sorted(synced)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        marks = ",".join("?" * len(chunk))  # placeholders only: the names are bound
        rows = db.execute(_SNAPSHOT_OF.format(marks), chunk).fetchall()
        behind = [
            (iso(synced[name]), name)
            for name, status, stored, episode in rows
            if status == "success" and episode is None and _older(stored, synced[name])
        ]
        db.conn.executemany("UPDATE alert_snapshot SET last_sync = ? WHERE name = ?", behind)


def _older(stored: str | None, moment: datetime) -> bool:
    before = _dt(stored)
    return before is None or before < moment


def save_tick(
    db: Db,
    *,
    seen: Mapping[str, WorkspaceSnapshot],
    removed: Sequence[str],
    episodes: Iterable[Episode],
    cards: Sequence[Card],
    health: ApiHealth,
    reminded: Sequence[Mute],
    before: Mapping[str, WorkspaceSnapshot] | None = None,
) -> None:
    """`before`: the snapshot as the last poll left it in memory; rows `routine` against it are
    not written."""
    conn = db.conn
    before = before or {}
    rows = [
        (name, s.status, s.message, maybe_iso(s.last_sync), s.open_conflicts, s.stalled, s.episode)
        for name, s in seen.items()
        if not routine(before.get(name), s)
    ]
    if rows:
        conn.executemany(_SNAPSHOT_UPSERT, rows)
    if removed:
        conn.executemany("DELETE FROM alert_snapshot WHERE name = ?", [(n,) for n in removed])
    conn.executemany(
        replace_into("alert_episodes", _EPISODE_COLUMNS, "id"),
        [_episode_row(ep) for ep in episodes],
    )
    now = now_iso()
    conn.executemany(
        insert_new("alert_cards", "key, channel, kind, created_at"),
        [(card.key, card.channel, card.kind, now) for card in cards],
    )
    conn.executemany(
        insert_new("alert_links", "episode, channel, card"),
        [(ep, card.channel, card.key) for card in cards for ep in card.episodes],
    )
    Facts(db).put(API_HEALTH, _health_fact(health))
    route_repo.mark_reminded(db, reminded)


def prune(db: Db, before: datetime) -> None:
    """Forget closed episodes older than `before`, and the cards no episode links to any more
    (the outbox forgets its delivered alerts in bot/alerts/outbox.py prune)."""
    cutoff = iso(before)
    db.execute(
        "DELETE FROM alert_links WHERE episode IN "
        "(SELECT id FROM alert_episodes WHERE closed_at IS NOT NULL AND closed_at < ?)",
        [cutoff],
    )
    db.execute("DELETE FROM alert_episodes WHERE closed_at IS NOT NULL AND closed_at < ?", [cutoff])
    db.execute(
        "DELETE FROM alert_cards WHERE created_at < ? "
        "AND key NOT IN (SELECT card FROM alert_links)",
        [cutoff],
    )
