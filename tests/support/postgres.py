"""A real PostgreSQL server for the tests, started from the machine's PostgreSQL (`initdb`,
`pg_ctl`) into a temporary directory, once per test process, on a free loopback port; each test
gets a database of its own. As root, the server runs as `nobody` (PostgreSQL refuses root).
`.ci/run` installs Debian's `postgresql` package when it is missing."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from bot.engine import Engine, is_postgres

USER = "fsync"


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (see .ci/run)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self._as = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        # As root, in /tmp itself: a TMPDIR under a folder only root may enter (a CI checkout's,
        # say) would keep `nobody` out of its own data directory.
        where = "/tmp" if self._as and os.access("/tmp", os.W_OK) else None
        self.root = Path(tempfile.mkdtemp(prefix="fsync-pg-", dir=where))
        self.port = _free_port()
        self.bin = _bindir()

    def _run(self, *args: str) -> None:
        kwargs = {"user": self._as.pw_uid, "group": self._as.pw_gid} if self._as else {}
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            cwd=self.root,
            **kwargs,  # type: ignore[arg-type]
        )

    def start(self) -> PostgresServer:
        if self._as:
            os.chown(self.root, self._as.pw_uid, self._as.pw_gid)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        # No durability needed: the cluster lives as long as the test process. No autovacuum:
        # its ANALYZE takes transaction ids, which `writes` counts.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c autovacuum=off"
        )
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def settings_for(database: str) -> dict[str, object]:
    """Settings fields that put fsync's tables in `database` (a file, or a PostgreSQL URL)."""
    if is_postgres(database):
        return {"database_url": database}
    return {"db_path": Path(database)}


def writes(store: Engine) -> int:
    """A count that moves whenever fsync writes: on SQLite, the rows this thread's connection
    changed; on PostgreSQL, the transaction ids handed out (only a transaction that writes takes
    one, and the test server runs no autovacuum)."""
    if store.url:
        row = store.db.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()
        return int(row[0])
    return int(store.db.conn.total_changes)
