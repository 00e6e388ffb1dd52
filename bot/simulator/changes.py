"""The listing's change log: what `GET /workspaces?changed_since=<cursor>` answers ([ASSUMED]).

Every change to the listing's bytes is one version (the number in its ETag, and its cursor).
Each workspace keeps only the version of its last change, in a dict ordered oldest first, so
"changed since version v" walks back from the newest entry and stops at the first older one:
a poll of 50,000 workspaces with 500 changed reads 500 entries, not 50,000. Removed names are
kept in a bounded list; when its oldest entry is dropped, the cursors that would have needed it
are refused (410), and so is any cursor from before a /_sim/reset.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

MAX_REMOVED = 10_000  # removals remembered; cursors older than the oldest one kept get a 410


class CursorExpired(Exception):
    """The cursor is unknown, malformed, or older than what the log still holds."""


class ChangeLog:
    def __init__(self, keep_removed: int = MAX_REMOVED) -> None:
        self.version = 0
        self.floor = 0  # the oldest version a cursor may name
        self._keep = keep_removed
        self._changed: dict[str, int] = {}  # name -> version of its last change, oldest first
        self._removed: deque[tuple[int, str]] = deque()

    def restart(self) -> None:
        """Forget everything: the fleet was replaced, so no earlier cursor can be answered."""
        self.version += 1
        self.floor = self.version
        self._changed.clear()
        self._removed.clear()

    def knows(self, name: str) -> bool:
        return name in self._changed

    def record(self, changed: Iterable[str], removed: Iterable[str]) -> None:
        """One new version: `changed` names (new or with new bytes) and `removed` names."""
        self.version += 1
        version, log = self.version, self._changed
        for name in removed:
            log.pop(name, None)
            self._removed.append((version, name))
        while len(self._removed) > self._keep:
            dropped, _ = self._removed.popleft()
            self.floor = max(self.floor, dropped)
        for name in changed:
            log.pop(name, None)  # re-inserted: the dict stays ordered by version
            log[name] = version

    def since(self, cursor: str) -> tuple[list[str], list[str]]:
        """(changed names, removed names) after the version `cursor` names, newest first. A name
        can be in both: removed, then added again (it is now at the end of the listing)."""
        if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
            raise CursorExpired(cursor)
        start = int(cursor)
        if not self.floor <= start <= self.version:
            raise CursorExpired(cursor)
        changed = []
        for name, version in reversed(self._changed.items()):
            if version <= start:
                break
            changed.append(name)
        removed: dict[str, None] = {}
        for version, name in reversed(self._removed):
            if version <= start:
                break
            removed[name] = None
        return changed, list(removed)
