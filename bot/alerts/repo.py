"""The alert tables (bot/migrations.py m002_alerts): reading them, and writing one tick at once.

Functions take the `sqlite_utils.Database` of the calling thread (`store.db`, or the one a
`store.transaction()` yields) so that a tick's writes share its transaction. Routes, disabled
channels and mutes are in bot/alerts/route_repo.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.alerts.diff import ApiHealth
from bot.alerts.model import Delivery, Episode, Mute, Plan, WorkspaceSnapshot
from bot.store import iso

Db = sqlite_utils.Database


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- snapshot and episodes -----------------------------------------------------------------------
def load_snapshot(db: Db) -> dict[str, WorkspaceSnapshot]:
    rows = db.execute(
        "SELECT name, status, message, last_sync, open_conflicts, stalled, episode "
        "FROM alert_snapshot"
    ).fetchall()
    return {
        name: WorkspaceSnapshot(
            status, message, _dt(last_sync), open_conflicts or 0, bool(stalled), episode
        )
        for name, status, message, last_sync, open_conflicts, stalled, episode in rows
    }


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
        conflicts=tuple(json.loads(conflicts or "[]")),
        closed_at=_dt(closed),
        closed_how=how,
    )


def _episode_row(ep: Episode) -> tuple[Any, ...]:
    return (
        ep.id,
        ep.workspace,
        ep.kind,
        ep.opened_at.isoformat(),
        ep.status,
        ep.message,
        ep.first_message,
        ep.failures,
        json.dumps(list(ep.conflicts), default=str),
        _iso(ep.closed_at),
        ep.closed_how,
    )


def open_episodes(db: Db) -> dict[str, Episode]:
    rows = db.execute(
        f"SELECT {_EPISODE_COLUMNS} FROM alert_episodes WHERE closed_at IS NULL"  # noqa: S608
    ).fetchall()
    return {row[0]: _episode(row) for row in rows}


def members(db: Db, card: str, overlay: Mapping[str, Episode]) -> list[Episode]:
    """The episodes a digest carries, as they are after this tick (`overlay`)."""
    rows = db.execute(
        f"SELECT {_EPISODE_COLUMNS} FROM alert_episodes "  # noqa: S608
        "WHERE id IN (SELECT episode FROM alert_links WHERE card = ?)",
        [card],
    ).fetchall()
    return [overlay.get(row[0]) or _episode(row) for row in rows]


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


# --- the Sync API's health -----------------------------------------------------------------------
def load_health(db: Db, episodes: Mapping[str, Episode]) -> ApiHealth:
    row = db.execute("SELECT value FROM alert_state WHERE key = 'api'").fetchone()
    if row is None:
        return ApiHealth()
    data = json.loads(row[0])
    return ApiHealth(
        failures=data.get("failures", 0),
        since=_dt(data.get("since")),
        error=data.get("error", ""),
        episode=episodes.get(data.get("episode") or ""),
    )


def _health_json(health: ApiHealth) -> str:
    return json.dumps(
        {
            "failures": health.failures,
            "since": _iso(health.since),
            "error": health.error,
            "episode": health.episode.id if health.episode else None,
        }
    )


# --- one tick, in the caller's transaction ------------------------------------------------------
def save_tick(
    db: Db,
    *,
    seen: Mapping[str, WorkspaceSnapshot],
    removed: Sequence[str],
    episodes: Iterable[Episode],
    plan: Plan,
    health: ApiHealth,
    reminded: Sequence[Mute],
) -> None:
    conn = db.conn
    if seen:
        conn.executemany(
            "INSERT OR REPLACE INTO alert_snapshot VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    name,
                    s.status,
                    s.message,
                    _iso(s.last_sync),
                    s.open_conflicts,
                    s.stalled,
                    s.episode,
                )
                for name, s in seen.items()
            ],
        )
    if removed:
        conn.executemany("DELETE FROM alert_snapshot WHERE name = ?", [(n,) for n in removed])
    conn.executemany(
        f"INSERT OR REPLACE INTO alert_episodes ({_EPISODE_COLUMNS}) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_episode_row(ep) for ep in episodes],
    )
    now = iso()
    conn.executemany(
        "INSERT OR IGNORE INTO alert_cards (key, channel, kind, created_at) VALUES (?, ?, ?, ?)",
        [(card.key, card.channel, card.kind, now) for card in plan.cards],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO alert_links (episode, channel, card) VALUES (?, ?, ?)",
        [(ep, card.channel, card.key) for card in plan.cards for ep in card.episodes],
    )
    enqueue(db, plan.deliveries)
    conn.execute(
        "INSERT OR REPLACE INTO alert_state (key, value) VALUES ('api', ?)", [_health_json(health)]
    )
    conn.executemany(
        "UPDATE alert_mutes SET reminded = 1 WHERE glob = ? AND until = ?",
        [(m.glob, m.until.isoformat()) for m in reminded],
    )


def enqueue(db: Db, deliveries: Iterable[Delivery]) -> None:
    """Queue deliveries; a key already queued (the same alert computed twice) is ignored."""
    now = iso()
    db.conn.executemany(
        "INSERT OR IGNORE INTO alert_outbox "
        "(key, channel, op, card, payload, state, kind, episode, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.key,
                d.channel,
                d.op,
                d.card,
                json.dumps(d.payload, separators=(",", ":")),
                d.state,
                d.kind,
                d.episode,
                now,
            )
            for d in deliveries
        ],
    )


def unsent(db: Db) -> int:
    """Deliveries not in Slack yet: waiting, or being sent."""
    found = db.execute(
        "SELECT COUNT(*) FROM alert_outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()
    return int(found[0])


def backlog(db: Db, now: float) -> tuple[int, float | None]:
    """Deliveries not in Slack yet, and how many seconds the oldest of them has waited."""
    count, oldest = db.execute(
        "SELECT COUNT(*), MIN(created_at) FROM alert_outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()
    if not oldest:
        return int(count), None
    return int(count), max(0.0, now - datetime.fromisoformat(oldest).timestamp())


def prune(db: Db, before: datetime) -> None:
    """Forget what is long finished: delivered alerts and closed episodes older than `before`."""
    cutoff = before.isoformat()
    db.execute(
        "DELETE FROM alert_outbox WHERE state NOT IN ('pending', 'sending') AND created_at < ?",
        [cutoff],
    )
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
