"""`fsync-bot run` as a real process, pointed at the fake Slack and a simulator, on loopback."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any, Self

import httpx
import psycopg

from bot.engine import is_postgres
from tests.fakes import FakeSlack
from tests.support import secrets_scan, slackreq
from tests.support.acks import assert_slack_accepts

BOT_TOKEN = "xoxb-test-bot-token-0123456789"
ADMIN, OPERATOR, VIEWER = "UADMIN001", "UOPER0001", "UVIEW0001"
# Spare holders of each role, so tests that act a lot stay under the per-user sync budget.
ADMIN2, OPERATOR2, OPERATOR3 = "UADMIN002", "UOPER0002", "UOPER0003"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    def __init__(
        self,
        slack: FakeSlack,
        sim_url: str,
        sim_key: str,
        workdir: Path,
        *,
        database: str | None = None,
        **env: str,
    ) -> None:
        """`database`: a PostgreSQL URL, or a file (default: fsync.db in `workdir`)."""
        self.slack, self.port = slack, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database or str(workdir / "fsync.db")
        self.db = workdir / "fsync.db"
        self.log_path = workdir / f"bot-{self.port}.log"
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": slackreq.SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "PORT": str(self.port),
            "FIRESTARTR_API_URL": sim_url,
            "FIRESTARTR_API_KEY": sim_key,
            **({"FSYNC_DATABASE_URL": self.database} if is_postgres(self.database) else {}),
            "FSYNC_DB_PATH": self.database if not is_postgres(self.database) else str(self.db),
            "FSYNC_ADMINS": f"{ADMIN},{ADMIN2}",
            "FSYNC_OPERATORS": f"{OPERATOR},{OPERATOR2},{OPERATOR3}",
            "FSYNC_POLL_INTERVAL": "3600",
            "FSYNC_LOG_LEVEL": "INFO",
            **env,
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        secrets_scan.remember(
            secrets=[
                self.env["SLACK_BOT_TOKEN"],
                self.env["SLACK_SIGNING_SECRET"],
                self.env["FIRESTARTR_API_KEY"],
            ],
            log=self.log_path,
        )
        self.proc: subprocess.Popen[bytes] | None = None
        # What `start` runs: `fsync-bot run`. The benchmarks' subclass changes the entry point,
        # puts a profiler in front of it, and runs it from the repository.
        self.argv = ["-m", "bot", "run"]
        self.launcher: list[str] = []
        self.cwd: Path | None = None
        self.start_timeout = 15.0
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def start(self) -> Self:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*self.launcher, sys.executable, *self.argv],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if self.http.get("/healthz").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"bot did not become healthy:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.http.close()
        return self.proc.returncode if self.proc else None

    def kill(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of `sql` read from the bot's database, whichever kind it is."""
        if is_postgres(self.database):
            with psycopg.connect(self.database, autocommit=True) as pg:
                return pg.execute(sql).fetchall()
        with closing(sqlite3.connect(self.database, timeout=10)) as conn:
            return conn.execute(sql).fetchall()

    def unsent(self) -> int:
        """Alerts the sender may still send; once 0, nothing more can be sent or doubled."""
        ((left,),) = self.query(
            "SELECT count(*) FROM alert_outbox WHERE state IN ('pending', 'sending')"
        )
        return int(left)

    def failed_polls(self) -> int:
        """The poller's count of failed polls in a row, from its last log line about one."""
        counts = re.findall(r"poll failed \((\d+) in a row\)", self.log())
        return int(counts[-1]) if counts else 0

    # --- Slack requests ----------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> httpx.Response:
        signed = headers if headers is not None else slackreq.sign(body)
        answer = self.http.post(
            "/slack/events", content=body, headers={**signed, "Content-Type": content_type}
        )
        assert_slack_accepts(answer.content)
        return answer

    def command(
        self, text: str, *, user: str = ADMIN, channel: str = "CCHAN0001"
    ) -> tuple[httpx.Response, str]:
        """Send `/fsync text`; returns the HTTP answer and the response_url name to wait on."""
        name = f"cmd-{uuid.uuid4().hex[:8]}"
        body = slackreq.command_body(
            text, user=user, channel=channel, response_url=self.slack.response_url(name)
        )
        return self.post(body), name

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = ADMIN,
        channel: str = "CCHAN0001",
        message: dict[str, Any] | None = None,
    ) -> tuple[httpx.Response, str]:
        name = f"act-{uuid.uuid4().hex[:8]}"
        payload = slackreq.action_payload(
            action_id,
            value,
            user=user,
            channel=channel,
            response_url=self.slack.response_url(name),
            message=message,
        )
        return self.post(slackreq.interactive_body(payload)), name

    def responses(
        self, name: str, *, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        calls = self.slack.wait_for(
            "response_url",
            lambda c: c.args["_path"].endswith("/" + name),
            count=count,
            timeout=timeout,
        )
        return [call.args for call in calls]
