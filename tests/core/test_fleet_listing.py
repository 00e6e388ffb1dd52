"""FsyncService.fleet: people asking at once share one listing; a write starts a new one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.core.authz import Policy
from bot.core.service import FsyncService
from bot.firestartr.models import Run, Workspace
from bot.store import Store


class SlowClient:
    """Listings wait until the test lets them go; each one says which listing it was."""

    def __init__(self) -> None:
        self.listings = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def list_workspaces(self, **_: Any) -> list[Workspace]:
        with self.lock:
            self.listings += 1
            n = self.listings
        assert self.release.wait(10)
        return [Workspace(name="dev", status="success", message=f"listing {n}")]

    def trigger_sync(self, name: str, **_: Any) -> Run:
        return Run(id="run_1", workspace=name)


def wait_until(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def service(tmp_path: Path, client: SlowClient) -> FsyncService:
    policy = Policy(frozenset({"UADMIN"}), frozenset(), ())
    return FsyncService(client, Store(tmp_path / "fsync.db"), policy)  # type: ignore[arg-type]


def test_ten_people_asking_at_once_cost_one_listing(tmp_path: Path) -> None:
    client = SlowClient()
    fsync = service(tmp_path, client)
    with ThreadPoolExecutor(10) as pool:
        views = [pool.submit(fsync.fleet, wait=10) for _ in range(10)]
        wait_until(lambda: client.listings == 1)
        client.release.set()
        messages = {v.result().workspaces[0].message for v in views}
    assert messages == {"listing 1"} and client.listings == 1
    fsync.fleet(wait=10)  # the shared listing has landed: the next question asks again
    assert client.listings == 2


def test_after_a_write_a_question_does_not_join_a_listing_sent_before_it(tmp_path: Path) -> None:
    client = SlowClient()
    fsync = service(tmp_path, client)
    with ThreadPoolExecutor(2) as pool:
        before = pool.submit(fsync.fleet, wait=10)
        wait_until(lambda: client.listings == 1)
        fsync.sync("UADMIN", "dev")
        after = pool.submit(fsync.fleet, wait=10)
        try:
            wait_until(lambda: client.listings == 2)
        finally:
            client.release.set()
        assert before.result().workspaces[0].message == "listing 1"
        assert after.result().workspaces[0].message == "listing 2"
