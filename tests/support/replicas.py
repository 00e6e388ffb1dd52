"""Two `fsync-bot run` replicas (HTTP mode) on one database, as a load balancer would see them.

    pair = Replicas(slack, sim, workdir, {"FSYNC_DB_PATH": ...}, FSYNC_POLL_INTERVAL="1").start()
    holder = pair.holder()          # the one whose /metrics says it holds the alerts lease
    holder.kill(); pair.other(holder)

The database is whatever the environment in `db_env` names (tests/e2e/conftest.py `replica_db`),
so nothing here reads it directly: what a test waits on is each replica's /metrics, the fake
Slack's record and the simulator's request log, which look the same whatever the database is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Self

import httpx

from tests.fakes import FakeSlack
from tests.support.botproc import BotProcess
from tests.support.scrape import samples
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

LEASE_HELD = "fsync_poller_lease_held"
OUTBOX_DEPTH = "fsync_outbox_depth"
# Far more than any test lasts: the fake Slack answers 503 to everything until `slack_up`.
FOREVER = 1_000_000


class Replicas:
    def __init__(
        self, slack: FakeSlack, sim: SimProcess, workdir: Path, db_env: dict[str, str], **env: str
    ) -> None:
        self.bots = [
            BotProcess(slack, sim.url, sim.key, workdir, **db_env, **env) for _ in range(2)
        ]

    def start(self) -> Self:
        """Both at once, as a deployment with `replicas: 2` starts them on a new database."""
        errors: list[BaseException] = []

        def start(bot: BotProcess) -> None:
            try:
                bot.start()
            except BaseException as exc:  # re-raised below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(bot,)) for bot in self.bots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.stop()
            raise errors[0]
        return self

    def stop(self) -> None:
        for bot in self.bots:
            bot.stop()

    def holder(self, timeout: float = 15.0) -> BotProcess:
        """The replica that holds the alerts lease, once exactly one says it does."""
        return wait_until(lambda: self._sole_holder(), timeout=timeout, what="one lease holder")

    def _sole_holder(self) -> BotProcess | None:
        holding = [bot for bot in self.bots if metric(bot, LEASE_HELD) == 1.0]
        return holding[0] if len(holding) == 1 else None

    def other(self, bot: BotProcess) -> BotProcess:
        (found,) = [b for b in self.bots if b is not bot]
        return found

    def logs(self) -> str:
        return "".join(f"--- {bot.url}\n{bot.log()[-3000:]}\n" for bot in self.bots)


def metric(bot: BotProcess, name: str) -> float:
    """One unlabelled sample of the replica's /metrics (-1 when it does not answer)."""
    try:
        answer = bot.http.get("/metrics")
    except httpx.TransportError:  # a killed replica is a fact, not a test error
        return -1.0
    return samples(answer.text).get(name, -1.0)


def slack_down(slack: FakeSlack) -> None:
    """Slack answers every call 503 until `slack_up`."""
    slack.fail("*", status=503, error="service_unavailable", times=FOREVER)


def slack_up(slack: FakeSlack) -> None:
    with slack.lock:
        slack.failures.clear()


def at_the_same_time(*calls: Callable[[], object]) -> list[object]:
    """Run `calls` in threads released together; their results in order (a failure re-raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(n: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[n] = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
