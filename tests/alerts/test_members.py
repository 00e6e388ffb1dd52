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
READ = repo.episodes_by_id  # the uncounted read, for what the database holds


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
    found = READ(db, repo.member_ids(db, CARD))
    return [found[i] for i in repo.member_ids(db, CARD)]


class Counting:
    """The store's episode reads, counted."""

    def __init__(self, monkeypatch: Any) -> None:
        self.ids: list[str] = []
        real = repo.episodes_by_id

        def counted(db: Any, ids: Any) -> Any:
            self.ids += list(ids)
            return real(db, ids)

        monkeypatch.setattr(repo, "episodes_by_id", counted)


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

    counting = Counting(monkeypatch)
    members.reset()  # the lease regained: the closed one is read once, then remembered
    assert members.of(store.db, CARD, open_now, {}) == stored(store)
    assert members.of(store.db, CARD, open_now, {}) == stored(store)
    assert counting.ids == ["ep1"]


def test_a_closed_episode_is_read_once_not_on_every_tick(store: Store, monkeypatch: Any) -> None:
    members = DigestMembers()
    closed = [failure(n, closed=True) for n in range(50)]
    commit(store, members, *closed, card=True)
    members.reset()
    counting = Counting(monkeypatch)
    for _ in range(5):
        assert len(members.of(store.db, CARD, {}, {})) == 50
    assert len(counting.ids) == 50  # once each: before, the whole digest on every tick
