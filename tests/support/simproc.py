"""Run `fsync-bot simulator` as a real subprocess for black-box tests.

with SimProcess(extra_args=["--sync-seconds", "0.3"]) as sim:
    httpx.get(sim.url + "/v1/terraform/sync/workspaces", headers=sim.auth_headers)
    sim.control("POST", "/_sim/workspaces", json={"name": "ws"})
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

DEFAULT_KEY = "test-key-not-secret"
START_TIMEOUT = 10.0
LISTENING = "fsync simulator listening on "


class SimProcessError(RuntimeError):
    """The simulator did not start (its stderr is in the message)."""


class SimProcess:
    def __init__(self, extra_args: Sequence[str] = (), key: str = DEFAULT_KEY) -> None:
        self.key = key
        self.extra_args = list(extra_args)
        self.url = ""
        self.startup_seconds = 0.0
        self.proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._http: httpx.Client | None = None
        self._api: httpx.Client | None = None

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def start(self) -> SimProcess:
        cmd = [
            sys.executable,
            "-m",
            "bot",
            "simulator",
            "--port",
            "0",
            "--api-key",
            self.key,
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        # stderr goes to a file: a pipe nobody reads would block the simulator once full.
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env
        )
        line = self._read_line(started + START_TIMEOUT)
        if not line.startswith(LISTENING):
            self.terminate()
            errors = self.stderr()
            self.stop()
            raise SimProcessError(f"simulator did not start: {line!r}\n{errors}")
        self.startup_seconds = time.monotonic() - started
        self.url = line[len(LISTENING) :].strip()
        # Made once: building an httpx.Client loads the CA bundle, ~50 ms each time.
        self._http = self.client()
        self._api = self.client()
        return self

    def _read_line(self, deadline: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                return ""
        return self.proc.stdout.readline()

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    @property
    def api(self) -> httpx.Client:
        """A shared client for /v1 (base URL and Bearer key set); do not close it."""
        assert self._api is not None, "SimProcess is not started"
        return self._api

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new client with the base URL and the Bearer key; the caller closes it."""
        return httpx.Client(base_url=self.url, headers=self.auth_headers, timeout=10, **kwargs)

    def control(self, method: str, path: str, json: Any = None) -> httpx.Response:
        assert self._http is not None, "SimProcess is not started"
        return self._http.request(method, path, json=json)

    def requests(self) -> list[dict[str, Any]]:
        response = self.control("GET", "/_sim/requests")
        response.raise_for_status()
        return response.json()["requests"]

    def listings(self) -> int:
        """How many fleet listings the simulator answered well: each poll (and command) is one,
        so a test waits for "n more polls" on this, not on n poll intervals of sleep. A 304
        (the fleet unchanged since the tag fsync sent) is answered well too."""
        return sum(
            r["method"] == "GET" and r["path"].endswith("/workspaces") and r["status"] in (200, 304)
            for r in self.requests()
        )

    def reset(self) -> None:
        self.control("POST", "/_sim/reset").raise_for_status()

    def terminate(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then kill after `timeout`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def stop(self) -> None:
        for client in (self._http, self._api):
            if client is not None:
                client.close()
        self._http = self._api = None
        self.terminate()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
