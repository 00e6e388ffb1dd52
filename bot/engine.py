"""Where fsync's tables live: an SQLite file (the embedded default) or PostgreSQL
(`FSYNC_DATABASE_URL`, for replicas). `Engine` opens one connection per thread, runs the
migrations, and gives writers the same transaction either way.

SQLite: WAL mode so the poller and the listeners do not block each other, and a busy timeout
so a locked database is waited on instead of failed; `BEGIN IMMEDIATE` lets one writer in at a
time. PostgreSQL: every writing transaction first takes one advisory lock, the same one writer at
a time across every replica, so the read-then-write transactions (the lease, outbox claims, the
tick's snapshot) mean exactly what they mean on SQLite. Outbox claims add
`FOR UPDATE SKIP LOCKED` (bot/alerts/outbox.py).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from bot.errors import FsyncError, StoreUnavailable
from bot.migrations import migrations
from bot.redact import url as redact_url
from bot.settings import POSTGRES_SCHEMES
from bot.sqlite_lib import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
PING_BUDGET = 0.5  # seconds /healthz may spend checking the database

if TYPE_CHECKING:
    from types import ModuleType

    from bot.postgres import PgDatabase

    Db: TypeAlias = sqlite_utils.Database | PgDatabase
else:
    Db = sqlite_utils.Database  # for annotations only: bot.postgres loads when it is used


def _postgres() -> ModuleType:
    """bot.postgres, imported when PostgreSQL is used: psycopg and libpq cost an SQLite-only
    process ~9 MB of memory (measured at start-up: 80 MB with it, 71 without)."""
    from bot import postgres

    return postgres


def _psycopg_error(name: str) -> tuple[type[Exception], ...]:
    """psycopg's error class `name`, if psycopg is loaded (if not, none of its errors can come)."""
    psycopg = sys.modules.get("psycopg")
    return () if psycopg is None else (getattr(psycopg, name),)


class StoreError(FsyncError):
    pass


def is_postgres(where: str | Path) -> bool:
    return str(where).startswith(POSTGRES_SCHEMES)


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return "the database is busy"
    if "full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if isinstance(exc, _psycopg_error("OperationalError")):
        return "the database server did not answer"
    return "the database failed"


def integrity_errors() -> tuple[type[Exception], ...]:
    """What a broken constraint raises, whichever the database: `except integrity_errors():`."""
    return (sqlite3.IntegrityError, *_psycopg_error("IntegrityError"))


def database_errors() -> tuple[type[Exception], ...]:
    """What any database error raises, whichever the database."""
    return (sqlite3.Error, *_psycopg_error("Error"))


@contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Database errors leave as StoreUnavailable: the callers decide what a person is told."""
    try:
        yield
    except integrity_errors():
        raise  # a constraint, not an unavailable database: callers that expect it catch it
    except database_errors() as exc:
        reason = _reason(exc)
        raise StoreUnavailable(
            f"fsync's database did not answer ({reason}). Try again in a moment.", reason=reason
        ) from exc


def _quick_check(conn: sqlite3.Connection, *, deadline: float | None) -> str | None:
    """What `PRAGMA quick_check` finds wrong, or None. Past `deadline` it is stopped, and what
    it checked until then counts as sound: /healthz must answer quickly on a large file."""
    if deadline is not None:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    found = rows[0][0] if rows else "ok"
    return None if found == "ok" else str(found)


def _rollback(db: Db) -> None:
    """Undo, unless the connection is gone (then the server has undone it already): the error
    that stopped the transaction is the one to tell."""
    if not getattr(db, "broken", False):
        db.execute("ROLLBACK")


class Engine:
    """Thread-safe access to the database at `where`: a file path (":memory:" is not supported:
    tests use a temporary file so that several threads and processes see the same data) or a
    `postgresql://` URL."""

    def __init__(self, where: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.url = str(where) if is_postgres(where) else None
        self.path = Path("postgresql") if self.url else Path(where)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        if self.url:
            self._open_postgres()
        else:
            self._open_check()

    @property
    def where(self) -> str:
        """For people and logs: the file, or the server without its password."""
        return redact_url(self.url) if self.url else str(self.path)

    # --- opening -----------------------------------------------------------------------------
    def _open_postgres(self) -> None:
        try:
            db = self.db
            assert isinstance(db, _postgres().PgDatabase)
            _postgres().apply_migrations(db)
        except _psycopg_error("ProgrammingError") as exc:
            # libpq's words quote the part it could not read: the password, maybe.
            raise StoreError(
                f"FSYNC_DATABASE_URL could not be read ({type(exc).__name__}). Percent-encode "
                "special characters in the user and password (`%` as %25, `@` as %40, `/` as "
                "%2F, `?` as %3F, `#` as %23)."
            ) from None
        except database_errors() as exc:
            raise StoreError(
                f"Cannot use the database at {self.where}: {redact_url(str(exc).strip())}. "
                "Check FSYNC_DATABASE_URL (host, port, user, password, database name) and that "
                "the user may create tables."
            ) from exc

    def _open_check(self) -> None:
        parent = self.path.parent
        if not parent.exists():
            raise StoreError(
                f"The database directory {parent} does not exist. Create it or set FSYNC_DB_PATH."
            )
        try:
            db = self.db
            assert isinstance(db, sqlite_utils.Database)
            damage = _quick_check(db.conn, deadline=None)
            if damage:
                raise sqlite3.DatabaseError(damage)
            # Replicas started at once on a new database take turns (the next one finds them
            # applied) instead of failing "database is locked" or "no such table: _write_probe".
            with self.transaction():
                migrations.apply(db)
                db.execute("CREATE TABLE IF NOT EXISTS _write_probe (x)")
                db.execute("DROP TABLE _write_probe")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"Cannot use the database {self.path}: {exc}. "
                "Check FSYNC_DB_PATH and its permissions."
            ) from exc
        except sqlite3.DatabaseError as exc:  # not an SQLite file, or a damaged one
            raise StoreError(
                f"The database {self.path} is damaged or not an SQLite database ({exc}). "
                "Move it away (or restore a backup) and start again, or set FSYNC_DB_PATH."
            ) from exc

    @property
    def db(self) -> Db:
        """This thread's connection: sqlite-utils' Database, or a PgDatabase answering alike."""
        db = getattr(self._local, "db", None)
        if db is not None and getattr(db, "broken", False):
            db.close()  # lost: the call that found it failed, the next one reconnects
            db = None
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    def _connect(self) -> Db:
        if self.url:
            postgres = _postgres()
            conn = postgres.connect(self.url, timeout=self.busy_timeout)
            conn.execute(f"SET lock_timeout = {int(self.busy_timeout * 1000)}")
            pg: Db = postgres.PgDatabase(conn)
            return pg
        lite = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=True
        )
        lite.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        deadline = time.monotonic() + self.busy_timeout
        while True:  # a new file's switch to WAL does not wait for a lock (no busy handler):
            try:  # replicas opening it at the same moment try again until one has switched it
                lite.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        lite.execute("PRAGMA synchronous=NORMAL")
        return sqlite_utils.Database(lite)

    # --- transactions --------------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, writer: bool = True) -> Iterator[Db]:
        """One writer at a time: SQLite's BEGIN IMMEDIATE, or PostgreSQL's writer lock. Writers
        queue on the busy timeout instead of failing. `writer=False` (PostgreSQL only; SQLite
        has no other lock): a transaction that locks the rows it writes itself."""
        db = self.db
        if self.url:
            # READ COMMITTED whatever the server's default: a writer reads what the one before it
            # committed (under REPEATABLE READ its snapshot would predate the lock it waited on).
            db.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            try:
                if writer:
                    db.execute("SELECT pg_advisory_xact_lock(?)", [_postgres().WRITER_LOCK])
            except BaseException:
                _rollback(db)
                raise
        else:
            db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            _rollback(db)
            raise
        db.execute("COMMIT")

    @contextmanager
    def impatient(self, busy_timeout: float) -> Iterator[Db]:
        """This thread's connection waiting at most `busy_timeout` s for a lock, for work on
        a path with a deadline of its own (acks: Slack's 3 s)."""
        db = self.db
        setting = "SET lock_timeout = {}" if self.url else "PRAGMA busy_timeout={}"
        db.execute(setting.format(int(busy_timeout * 1000)))
        try:
            yield db
        finally:
            db.execute(setting.format(int(self.busy_timeout * 1000)))

    # --- health --------------------------------------------------------------------------------
    def ping(self, budget: float = PING_BUDGET) -> bool:
        """Whether the database is usable now. SQLite: the file is there, an intact SQLite file
        with fsync's tables, and writable, asked on a fresh connection (a cached one goes on
        reading a file deleted or overwritten under it); the integrity check stops after
        `budget` seconds, and a write lock held by someone else counts as usable, since it is
        only busy. PostgreSQL: a fresh connection answers a read of fsync's tables."""
        if self.url:
            return bool(_postgres().ping(self.url, budget))
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=0.2)
        except sqlite3.Error:
            return False
        try:
            if _quick_check(conn, deadline=time.monotonic() + budget):
                return False
            conn.execute("SELECT count(*) FROM audit").fetchone()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
        except sqlite3.Error:
            return False
        finally:
            conn.close()
        return True
