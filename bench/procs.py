"""The processes and fakes the benchmarks run: the simulator, `fsync-bot run`, a fake Slack that
counts what it accepted and refused, and our own servers (the bare Bolt app).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bench.common import ROOT
from bot.devslack import FakeSlack
from tests.support.botproc import BotProcess
from tests.support.simproc import SimProcess

SIM_KEY = "bench-sim-key-not-a-secret"
API = "/v1/terraform/sync"


@dataclass
class Posted:
    at: float
    method: str
    channel: str
    args: dict[str, Any]

    @property
    def reply(self) -> bool:
        return bool(self.args.get("thread_ts"))

    def mentions(self, name: str) -> bool:
        return name in json.dumps(self.args)


class CountingSlack(FakeSlack):
    """The fake Slack, also counting the 429s it answered per channel, and telling waiters when
    an answer arrives (by response_url name, or by channel for posts) without scanning calls."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.throttled: dict[str, int] = {}
        self.throttled_at: list[tuple[float, str]] = []
        self.accepted: list[Posted] = []  # messages Slack took (posts and updates), in order
        self.arrived: dict[str, float] = {}  # response_url name or "#channel" -> last arrival
        self.arrival = threading.Condition()

    def _handle(self, path: str, raw: str, headers: Any) -> tuple[int, Any, dict[str, str]]:
        answer = super()._handle(path, raw, headers)
        if "/response/" in path:
            key = path.rsplit("/", 1)[-1]
        elif path.endswith(("chat.postMessage", "chat.postEphemeral")):
            if headers.get("Content-Type", "").startswith("application/json"):
                channel = (json.loads(raw or "{}") or {}).get("channel")
            else:
                channel = dict(parse_qsl(raw)).get("channel")
            key = f"#{channel}"
        else:
            return answer
        with self.arrival:
            self.arrived[key] = time.time()
            self.arrival.notify_all()
        return answer

    def wait_arrival(self, keys: Sequence[str], since: float, timeout: float) -> float | None:
        """The time an answer for one of `keys` arrived after `since`, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self.arrival:
            while True:
                found = [self.arrived[k] for k in keys if self.arrived.get(k, -1.0) >= since]
                if found:
                    return min(found)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrival.wait(left)

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        status, body, headers = super()._answer(method, args)
        channel = str(args.get("channel", ""))
        if status == 429:
            with self.lock:
                self.throttled[channel] = self.throttled.get(channel, 0) + 1
                self.throttled_at.append((time.time(), channel))
        elif method in ("chat.postMessage", "chat.update") and body.get("ok"):
            with self.lock:
                self.accepted.append(Posted(time.time(), method, channel, args))
        return status, body, headers


# `fsync-bot run`, able to print every thread's stack on SIGUSR1 (for a benchmark that stalls).
RUN_WITH_STACK_DUMPS = (
    "-c",
    "import faulthandler, signal, sys; "
    "faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "from bot.__main__ import main; sys.exit(main(['run']))",
)


class Bot(BotProcess):
    """`fsync-bot run` (or another entry point given as argv) pointed at the fakes."""

    def __init__(
        self,
        slack: FakeSlack,
        sim: SimProcess,
        workdir: Path,
        argv: Sequence[str] = ("-m", "bot", "run"),
        **env: str,
    ) -> None:
        super().__init__(slack, sim.url, sim.key, workdir, **env)
        self.argv = list(argv)
        self.cwd = ROOT  # `-m bench.botwrap` needs the repository on the path
        self.start_timeout = 30.0
        # BENCH_PROFILE=out.txt runs the bot under `py-spy record` (collapsed stacks of the
        # thread holding the GIL) to see where its time goes; py-spy is not a dependency of fsync.
        profile = os.environ.get("BENCH_PROFILE")
        self.launcher = (
            [
                "py-spy",
                "record",
                "--gil",
                "--threads",
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                profile,
                "--",
            ]
            if profile
            else []
        )

    def pid(self) -> int:
        """The bot's own process (under py-spy, py-spy's child)."""
        assert self.proc is not None
        if not self.launcher:
            return self.proc.pid
        for _ in range(100):
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            found = children.read_text().split() if children.exists() else []
            if found:
                return int(found[0])
            time.sleep(0.05)
        raise RuntimeError("py-spy started no bot")

    def stacks(self) -> str:
        """Every thread's stack, when started with RUN_WITH_STACK_DUMPS ('' otherwise)."""
        if self.argv[:1] != ["-c"] or self.proc is None or self.proc.poll() is not None:
            return ""
        before = len(self.log())
        os.kill(self.pid(), signal.SIGUSR1)
        time.sleep(1.0)
        return self.log()[before:]

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.launcher and self.proc and self.proc.poll() is None:
            # py-spy writes its profile when the bot exits: stop the bot, then wait for py-spy.
            os.kill(self.pid(), signal.SIGTERM)
            try:
                self.proc.wait(timeout + 20)
            except subprocess.TimeoutExpired:
                pass
        return super().stop(timeout)


@contextmanager
def simulator(*args: str) -> Iterator[SimProcess]:
    with SimProcess(extra_args=list(args), key=SIM_KEY) as sim:
        # The benchmarks measure fsync, not the simulator's limit: fsync's own limiter is what
        # keeps it under FIRESTARTR_RATE_LIMIT, and a 429 here would be counted, not hidden.
        yield sim


@contextmanager
def fake_slack(post_interval: float = 0.0) -> Iterator[CountingSlack]:
    slack = CountingSlack(post_interval=post_interval).start()
    try:
        yield slack
    finally:
        slack.stop()


@contextmanager
def running(bot: Bot) -> Iterator[Bot]:
    bot.start()
    try:
        yield bot
    finally:
        bot.stop()


@contextmanager
def subprocess_server(
    argv: Sequence[str], port: int, timeout: float = 20.0
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process of ours on loopback, up once GET /healthz answers."""
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{argv} exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not start")
            time.sleep(0.05)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stack() -> ExitStack:
    return ExitStack()


def set_state(sim: SimProcess, name: str, status: str, message: str | None = None) -> None:
    body: dict[str, Any] = {"status": status}
    if message:
        body["message"] = message
    sim.control("POST", f"/_sim/workspaces/{name}/state", json=body).raise_for_status()


def synthetic_names(count: int) -> list[str]:
    """The names `fsync-bot simulator --workspaces count` gives its synthetic workspaces."""
    width = max(4, len(str(count)))
    return [f"ws-{n:0{width}d}" for n in range(1, count + 1)]


def parse_at(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
