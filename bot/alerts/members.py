"""A digest's episodes, as the router needs them to draw the digest again: from memory where
the poller has them (this tick's changes, the open episodes), from the database only for a
closed one not read since the poller (re)loaded. A digest of 2,000 workspaces touched by one
recovery was read and parsed whole on every tick: at 50,000 workspaces with 1% changing, most
of a tick's time (bench/poll_tick, docs/performance.md).

A digest once read is kept with its members as committed: a card's links are written with the
card and only pruned after (repo.prune), so while its link count holds so do its member ids, and
every later change of a member comes through `committed`. A tick then costs one count on the
card index and a copy, not a join and a lookup per member (issue 16's 1%-changed tick)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.alerts import repo
from bot.alerts.model import Episode
from bot.engine import Db

# Closed episodes remembered, and members of kept digests: past it, forgotten and read again.
KEEP_AT_MOST = 50_000


@dataclass(slots=True)
class _Digest:
    links: int  # the card's links when its ids were read
    at: dict[str, int]  # member id -> its place, in the order the database lists them
    members: list[Episode | None]  # as committed; None: not in the database


class DigestMembers:
    def __init__(self) -> None:
        # Closed episodes read or closed since the last reset: nothing but the poller's ticks
        # writes episodes (repo.save_tick), so what it committed is what the database holds.
        self._closed: dict[str, Episode] = {}
        self._digests: dict[str, _Digest] = {}
        self._carried_by: dict[str, list[_Digest]] = {}  # episode id -> the kept digests with it

    def reset(self) -> None:
        """Forget (the lease was regained: another process may have written meanwhile). An
        episode pruned from the database may stay here: the ids come from the database."""
        self._closed.clear()
        self._digests.clear()
        self._carried_by.clear()

    def of(
        self, db: Db, card: str, open_now: Mapping[str, Episode], tick: Mapping[str, Episode]
    ) -> list[Episode]:
        """The digest's episodes after this tick (`tick`: its changes, not yet committed)."""
        # Counted before the ids are read: a prune in between makes the next count differ.
        links = repo.link_count(db, card)
        digest = self._digests.get(card)
        if digest is None or digest.links != links:
            if digest is not None:
                self._forget(digest)
            digest = self._read(db, card, links, open_now)
        known = list(digest.members)
        for episode_id, episode in tick.items():  # a few dozen; the members can be thousands
            at = digest.at.get(episode_id)
            if at is not None:
                known[at] = episode
        return [episode for episode in known if episode is not None]

    def _read(self, db: Db, card: str, links: int, open_now: Mapping[str, Episode]) -> _Digest:
        ids = repo.member_ids(db, card)
        closed = self._closed
        missing = [i for i in ids if i not in open_now and i not in closed]
        if missing:
            closed.update(repo.episodes_by_id(db, missing))
        if len(self._carried_by) + len(ids) > KEEP_AT_MOST:
            self._digests.clear()
            self._carried_by.clear()
        digest = _Digest(
            links,
            {episode_id: at for at, episode_id in enumerate(ids)},
            [open_now.get(i) or closed.get(i) for i in ids],
        )
        self._digests[card] = digest
        for episode_id in ids:
            self._carried_by.setdefault(episode_id, []).append(digest)
        return digest

    def _forget(self, digest: _Digest) -> None:
        """A digest read again (some of it was pruned): its old copy is kept up to date no more."""
        for episode_id in digest.at:
            carriers = self._carried_by.get(episode_id, [])
            carriers[:] = [d for d in carriers if d is not digest]
            if not carriers:
                self._carried_by.pop(episode_id, None)

    def committed(self, episodes: Iterable[Episode]) -> None:
        """A tick's episodes are in the database: a closed one is remembered as it is now, and
        the kept digests carry each as it is now."""
        if len(self._closed) > KEEP_AT_MOST:
            self._closed.clear()
        for episode in episodes:
            if episode.closed_at is None:
                self._closed.pop(episode.id, None)
            else:
                self._closed[episode.id] = episode
            for digest in self._carried_by.get(episode.id, ()):
                digest.members[digest.at[episode.id]] = episode
