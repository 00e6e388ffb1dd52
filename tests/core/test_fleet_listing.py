"""FsyncService.fleet: people asking at once share one listing (its FleetCache); a write starts
a new one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.core.authz import Policy
from bot.core.fleet_cache import FleetCache
from bot.core.service import FsyncService
from bot.firestartr.models import Run, Workspace
from bot.store import Store
from tests.support.waiting import wait_until


class SlowClient:
    """Each listing waits until the test lets it go; each says which listing it was."""

    def __init__(self) -> None:
        self.release = [threading.Event() for _ in range(5)]
        self.lock = threading.Lock()
        self.listings = 0

    def list_workspaces(self, **_: Any) -> list[Workspace]:
        with self.lock:
            self.listings += 1
            n = self.listings
        assert self.release[n - 1].wait(10)
        return [Workspace(name="dev", status="success", message=f"listing {n}")]

    def trigger_sync(self, name: str, **_: Any) -> Run:
        return Run(id="run_1", workspace=name)


class Counting(FleetCache):
    """The fleet cache, counting who has joined a listing (to release it only after all did)."""

    joined = 0

    def join(self) -> Any:
        future = super().join()
        with self._lock:
            self.joined += 1
        return future


def service(tmp_path: Path, client: SlowClient) -> FsyncService:
    policy = Policy(frozenset({"UADMIN"}), frozenset(), ())
    store = Store(tmp_path / "fsync.db")
    cache = Counting(client, store)
    return FsyncService(client, store, policy, fleet_cache=cache)  # type: ignore[arg-type]


def joined(fsync: FsyncService) -> int:
    assert isinstance(fsync.fleet_cache, Counting)
    return fsync.fleet_cache.joined


def test_ten_people_asking_at_once_cost_one_listing(tmp_path: Path) -> None:
    client = SlowClient()
    fsync = service(tmp_path, client)
    with ThreadPoolExecutor(10) as pool:
        views = [pool.submit(fsync.fleet, wait=10) for _ in range(10)]
        try:
            wait_until(lambda: joined(fsync) == 10)
        finally:
            client.release[0].set()
        messages = {v.result().workspaces[0].message for v in views}
    assert messages == {"listing 1"} and client.listings == 1
    client.release[1].set()
    fsync.fleet(wait=10)  # the shared listing has landed: the next question asks again
    assert client.listings == 2


def test_after_a_write_a_question_gets_a_listing_of_its_own(tmp_path: Path) -> None:
    client = SlowClient()
    fsync = service(tmp_path, client)
    with ThreadPoolExecutor(2) as pool:
        before = pool.submit(fsync.fleet, wait=10)
        wait_until(lambda: client.listings == 1)
        fsync.sync("UADMIN", "dev")
        after = pool.submit(fsync.fleet, wait=10)
        try:
            wait_until(lambda: client.listings == 2)
            client.release[1].set()  # the newer listing lands first...
            assert after.result().workspaces[0].message == "listing 2"
        finally:
            client.release[0].set()
        assert before.result().workspaces[0].message == "listing 1"
    # ...and the older one, landing last, does not become the last known state.
    cached = fsync.cached_fleet()
    assert cached is not None and cached.workspaces[0].message == "listing 2"
