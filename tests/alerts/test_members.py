"""A digest's episodes from memory (bot/alerts/members.py): always what the database holds after
the tick, and a closed episode read from the database once, not on every tick."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.alerts import repo
from bot.alerts.api_health import ApiHealth
from bot.alerts.members import DigestMembers
from bot.alerts.model import Card, Episode
from bot.store import Store
from tests.alerts.conftest import NOW

CARD = "digest:CALERTS:1"
READ = repo.episodes_by_id  # the uncounted reads, for what the database holds
IDS = repo.member_ids


def failure(n: int, closed: bool = False) -> Episode:
    return Episode(
        f"ep{n}",
        f"ws-{n}",
        "failed",
        NOW - timedelta(hours=1),
        "failed",
        message=f"Error {n}",
        first_message=f"Error {n}",
        failures=1,
        closed_at=NOW if closed else None,
        closed_how="recovered" if closed else None,
    )


def commit(store: Store, members: DigestMembers, *episodes: Episode, card: bool = False) -> None:
    with store.transaction() as db:
        repo.save_tick(
            db,
            seen={},
            removed=[],
            episodes=episodes,
            cards=[Card(CARD, "CALERTS", "digest", tuple(e.id for e in episodes))] if card else [],
            health=ApiHealth(),
            reminded=[],
        )
    members.committed(episodes)


def stored(store: Store) -> list[Episode]:
    db = store.db
    found = READ(db, IDS(db, CARD))
    return [found[i] for i in IDS(db, CARD)]


def calls_of(monkeypatch: Any, name: str) -> list[Any]:
    """Each call of `repo.<name>(db, x)`, as its `x`: the store's reads, counted."""
    calls: list[Any] = []
    real = getattr(repo, name)

    def counted(db: Any, x: Any) -> Any:
        calls.append(x)
        return real(db, x)

    monkeypatch.setattr(repo, name, counted)
    return calls


def episode_reads(calls: list[Any]) -> list[str]:
    return [episode_id for ids in calls for episode_id in ids]


def test_a_digest_s_members_are_what_the_database_holds_after_each_tick(
    store: Store, monkeypatch: Any
) -> None:
    members = DigestMembers()
    first = [failure(n) for n in range(4)]
    commit(store, members, *first, card=True)
    open_now = {e.id: e for e in first}
    assert members.of(store.db, CARD, open_now, {}) == stored(store)

    # A tick: ep1 recovers, ep2 fails again with another error. Before it is committed the
    # router sees it as it will be; after, the database agrees.
    back = replace(first[1], closed_at=NOW, closed_how="recovered", status="success")
    again = replace(first[2], message="Error 2b", failures=2)
    tick = {back.id: back, again.id: again}
    assert [e.id for e in members.of(store.db, CARD, open_now, tick)] == [
        "ep0",
        "ep1",
        "ep2",
        "ep3",
    ]
    assert members.of(store.db, CARD, open_now, tick)[1].closed_at == NOW
    commit(store, members, back, again)
    open_now = {e.id: e for e in (first[0], again, first[3])}
    assert members.of(store.db, CARD, open_now, {}) == stored(store)

    counting = calls_of(monkeypatch, "episodes_by_id")
    members.reset()  # the lease regained: the closed one is read once, then remembered
    assert members.of(store.db, CARD, open_now, {}) == stored(store)
    assert members.of(store.db, CARD, open_now, {}) == stored(store)
    assert episode_reads(counting) == ["ep1"]


def test_a_closed_episode_is_read_once_not_on_every_tick(store: Store, monkeypatch: Any) -> None:
    members = DigestMembers()
    closed = [failure(n, closed=True) for n in range(50)]
    commit(store, members, *closed, card=True)
    members.reset()
    counting = calls_of(monkeypatch, "episodes_by_id")
    for _ in range(5):
        assert len(members.of(store.db, CARD, {}, {})) == 50
    assert len(episode_reads(counting)) == 50  # once each: before, the whole digest on every tick


def test_a_kept_digest_follows_every_committed_tick_and_reads_its_ids_once(
    store: Store, monkeypatch: Any
) -> None:
    members = DigestMembers()
    first = [failure(n) for n in range(6)]
    commit(store, members, *first, card=True)
    reads = calls_of(monkeypatch, "member_ids")
    open_now = {e.id: e for e in first}
    for n in range(4):  # a tick per recovery, the next one's news failing again meanwhile
        back = replace(open_now.pop(f"ep{n}"), closed_at=NOW, closed_how="recovered")
        worse = replace(open_now[f"ep{n + 1}"], message=f"Error {n + 1}, again", failures=2)
        tick = {back.id: back, worse.id: worse}
        during = members.of(store.db, CARD, open_now, tick)
        assert [e.closed_at is not None for e in during] == [i <= n for i in range(6)]
        assert during[n + 1] == worse
        commit(store, members, back, worse)
        open_now[worse.id] = worse
        assert members.of(store.db, CARD, open_now, {}) == stored(store) == during
    assert len(reads) == 1  # before, a join of the whole digest on each of its 8 draws


def test_a_regained_lease_reads_again_what_another_replica_wrote(
    store: Store, monkeypatch: Any
) -> None:
    members = DigestMembers()
    first = [failure(n) for n in range(4)]
    commit(store, members, *first, card=True)
    assert members.of(store.db, CARD, {e.id: e for e in first}, {}) == stored(store)
    # The lease lost: another replica ticks, ep1 back and ep2 worse, this one is not told.
    other = DigestMembers()
    commit(store, other, replace(first[1], closed_at=NOW, closed_how="recovered"))
    commit(store, other, replace(first[2], message="Error 2b", failures=2))
    reads = calls_of(monkeypatch, "member_ids")
    members.reset()  # the lease regained: the poller reloads its open episodes too
    open_now = repo.open_episodes(store.db)
    for _ in range(3):
        now = members.of(store.db, CARD, open_now, {})
        assert now == stored(store)
        assert now[1].closed_at == NOW and now[2].message == "Error 2b"
    assert len(reads) == 1


def test_a_pruned_member_leaves_the_kept_digest_which_is_read_again_once(
    store: Store, monkeypatch: Any
) -> None:
    members = DigestMembers()
    long_ago = NOW - timedelta(days=30)
    old = [replace(failure(n, closed=True), closed_at=long_ago) for n in range(2)]
    recent = [failure(n) for n in range(2, 5)]
    commit(store, members, *old, *recent, card=True)
    open_now = {e.id: e for e in recent}
    reads = calls_of(monkeypatch, "member_ids")
    assert len(members.of(store.db, CARD, open_now, {})) == 5
    with store.transaction() as db:
        repo.prune(db, NOW - timedelta(days=14))
    for _ in range(3):
        assert members.of(store.db, CARD, open_now, {}) == stored(store) == recent
    assert len(reads) == 2  # before the prune, and once after: its link count changed
