"""A digest's episodes, as the router needs them to draw the digest again: from memory where
the poller has them (this tick's changes, the open episodes), from the database only for a
closed one not read since the poller (re)loaded. A digest of 2,000 workspaces touched by one
recovery was read and parsed whole on every tick: at 50,000 workspaces with 1% changing, most
of a tick's time (bench/poll_tick, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.alerts import repo
from bot.alerts.model import Episode
from bot.engine import Db

KEEP_AT_MOST = 50_000  # closed episodes remembered; past it, forgotten and read again when needed


class DigestMembers:
    def __init__(self) -> None:
        # Closed episodes read or closed since the last reset: nothing but the poller's ticks
        # writes episodes (repo.save_tick), so what it committed is what the database holds.
        self._closed: dict[str, Episode] = {}

    def reset(self) -> None:
        """Forget (the lease was regained: another process may have written meanwhile). An
        episode pruned from the database may stay here: the ids come from the database."""
        self._closed.clear()

    def of(
        self, db: Db, card: str, open_now: Mapping[str, Episode], tick: Mapping[str, Episode]
    ) -> list[Episode]:
        """The digest's episodes after this tick (`tick`: its changes, not yet committed)."""
        ids = repo.member_ids(db, card)
        missing = [i for i in ids if i not in tick and i not in open_now and i not in self._closed]
        if missing:
            self._closed.update(repo.episodes_by_id(db, missing))
        known = [tick.get(i) or open_now.get(i) or self._closed.get(i) for i in ids]
        return [episode for episode in known if episode is not None]

    def committed(self, episodes: Iterable[Episode]) -> None:
        """A tick's episodes are in the database: a closed one is remembered as it is now."""
        if len(self._closed) > KEEP_AT_MOST:
            self._closed.clear()
        for episode in episodes:
            if episode.closed_at is None:
                self._closed.pop(episode.id, None)
            else:
                self._closed[episode.id] = episode
