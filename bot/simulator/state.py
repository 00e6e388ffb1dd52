"""The simulator's in-memory data: workspaces, runs, conflicts, config, and their cached wire forms.

No business rules live here (see engine.py); this module keeps the data consistent with its
caches. Every method expects the caller to hold `lock`: the scheduler thread and the event loop
both touch the data, and one coarse lock is cheap because every critical section is short.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator

from bot.simulator.changes import ChangeLog
from bot.simulator.model import ConflictState, RunState, WorkspaceState
from bot.simulator.wire import IdMaker, dumps

MAX_RUNS = 20_000


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = IdMaker()
        # Never reset: an ETag from before /_sim/reset must not match the config after it.
        self.config_version = 0
        # The listing's versions (its ETag and cursor): never reused, bumped only when the
        # listing's bytes differ, and what changed in each (changed_since, changes.py).
        self.changes = ChangeLog()
        self.clear()

    def clear(self) -> None:
        self.workspaces: dict[str, WorkspaceState] = {}
        self.runs: dict[str, RunState] = {}
        self.active: dict[str, RunState] = {}
        self.waiting: dict[str, RunState] = {}  # awaiting_approval (bot/simulator/approvals.py)
        self.conflicts: dict[str, ConflictState] = {}
        self.enabled = True
        self.policy = "manual"
        self._heap: list[tuple[float, str]] = []
        self._list_cache: bytes | None = None
        self._config_cache: bytes | None = None
        self._dirty: set[str] = set()  # touched since the last settle()
        self.changes.restart()
        self.config_changed()

    # -- caches ---------------------------------------------------------------------------------

    def touch(self, ws: WorkspaceState) -> None:
        ws.cached = None
        self._dirty.add(ws.name)

    def touch_all(self) -> None:
        for ws in self.workspaces.values():
            ws.cached = None
        self._dirty.update(self.workspaces)

    def settle(self) -> None:
        """Compare what was touched with what clients last saw: a touch that left the wire form
        as it was (a reschedule, a no-op config) is no change, so the tag holds and the poller
        re-reads nothing. One new version for everything that did change."""
        if not self._dirty:
            return
        enabled, log = self.enabled, self.changes
        changed, removed = [], []
        for name in self._dirty:
            ws = self.workspaces.get(name)
            if ws is None:
                if log.knows(name):
                    removed.append(name)
                continue
            fresh = ws.wire_bytes(enabled)
            if fresh == ws.published:
                continue
            if ws.published is None and log.knows(name):
                removed.append(name)  # deleted and added again: it moved to the listing's end
            ws.published = fresh
            changed.append(name)
        self._dirty.clear()
        if changed or removed:
            log.record(changed, removed)
            self._list_cache = None

    def config_changed(self) -> None:
        self.config_version += 1
        self._config_cache = None

    @property
    def etag(self) -> str:
        return f'"cfg-{self.config_version}"'

    def list_bytes(self) -> bytes:
        # Built from per-workspace fragments, so one workspace changing costs one dumps() plus a
        # join, not a re-serialization of 50,000 workspaces.
        self.settle()
        if self._list_cache is None:
            parts = [ws.published or b"" for ws in self.workspaces.values()]
            self._list_cache = b'{"workspaces":[' + b",".join(parts) + b"]}"
        return self._list_cache

    def list_etag(self) -> str:
        self.settle()
        return f'"ws-{self.changes.version}"'

    def list_cursor(self) -> str:
        self.settle()
        return str(self.changes.version)

    def changed_bytes(self, cursor: str) -> bytes:
        """The answer to `changed_since=cursor`; raises CursorExpired (changes.py)."""
        self.settle()
        changed, removed = self.changes.since(cursor)
        parts = [self.workspaces[name].published or b"" for name in reversed(changed)]
        return b'{"workspaces":[' + b",".join(parts) + b'],"removed":' + dumps(removed) + b"}"

    def config_bytes(self) -> bytes:
        if self._config_cache is None:
            self._config_cache = dumps(
                {
                    "enabled": self.enabled,
                    "workspaces": {n: ws.config_entry() for n, ws in self.workspaces.items()},
                    "conflict_resolution": self.policy,
                }
            )
        return self._config_cache

    # -- workspaces and the schedule -----------------------------------------------------------

    def put_workspace(self, ws: WorkspaceState) -> None:
        self.workspaces[ws.name] = ws
        if ws.next_sync is not None:
            heapq.heappush(self._heap, (ws.next_sync, ws.name))
        self._dirty.add(ws.name)

    def load(self, fleet: list[WorkspaceState]) -> None:
        self.workspaces.update((ws.name, ws) for ws in fleet)
        self._heap.extend((ws.next_sync, ws.name) for ws in fleet if ws.next_sync is not None)
        heapq.heapify(self._heap)
        self._dirty.update(ws.name for ws in fleet)
        self.config_changed()

    def schedule(self, ws: WorkspaceState, at: float | None) -> None:
        ws.next_sync = at
        self.touch(ws)
        if at is not None:
            heapq.heappush(self._heap, (at, ws.name))

    def due(self, now: float) -> Iterator[WorkspaceState]:
        """Workspaces whose next_sync has passed, each once; stale heap entries are dropped."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, name = heapq.heappop(heap)
            ws = self.workspaces.get(name)
            if ws is not None and ws.next_sync == at:
                yield ws

    # -- runs -----------------------------------------------------------------------------------

    def add_run(self, run: RunState) -> None:
        self.runs[run.id] = run
        if run.active:
            self.active[run.id] = run
        if len(self.runs) > MAX_RUNS + 1000:
            self._prune_runs()

    def _prune_runs(self) -> None:
        extra = len(self.runs) - MAX_RUNS
        for run_id in [r.id for r in self.runs.values() if not r.active][:extra]:
            del self.runs[run_id]
