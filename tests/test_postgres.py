"""PostgreSQL as replicas see it: migrations run once however many start together, one writer
at a time, outbox claims that pass over a row another replica holds, and a URL whose password
never reaches a message. The alert and reliability suites run on it too (`database` fixture)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
import pytest

from bot.alerts.lease import Lease
from bot.alerts.model import Delivery, DeliveryOp
from bot.alerts.outbox import Outbox, enqueue
from bot.check import run_check
from bot.engine import StoreError, unavailable_on_error
from bot.errors import StoreUnavailable
from bot.facts import Facts
from bot.migrations import STEPS
from bot.postgres import to_pyformat
from bot.settings import Settings
from bot.slack import once
from bot.store import Store
from tests.support.waiting import wait_until


@pytest.fixture
def url(postgres_server: Any) -> str:
    return str(postgres_server.new_database())


def test_placeholders_become_psycopg_s_and_quoted_text_is_left_alone() -> None:
    assert to_pyformat("SELECT a FROM t WHERE b = ? AND c = '?' AND d LIKE 'x%'") == (
        "SELECT a FROM t WHERE b = %s AND c = '?' AND d LIKE 'x%%'"
    )


def test_replicas_starting_together_migrate_once(url: str) -> None:
    stores: list[Store] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            stores.append(Store(url))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(stores) == 4
    applied = stores[0].db.execute("SELECT name FROM fsync_migrations ORDER BY name").fetchall()
    assert [name for (name,) in applied] == sorted(fn.__name__ for fn in STEPS)
    stores[1].audit(user_id="U1", action="sync", workspace="w", args={}, outcome="ok")
    assert stores[2].audit_entries()[0]["user_id"] == "U1"  # one database


def test_writers_queue_one_at_a_time_and_an_impatient_one_is_told_busy(url: str) -> None:
    first, second = Store(url), Store(url)
    with first.transaction():
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as told:
            with unavailable_on_error(), second.impatient(0.3), second.transaction() as db:
                db.execute("SELECT 1")
        assert 0.25 < time.monotonic() - started < 5
    assert told.value.reason == "the database is busy"
    with second.transaction() as db:  # free again
        db.execute("SELECT 1")


def test_an_outbox_row_another_replica_holds_is_passed_over_not_waited_on(url: str) -> None:
    store = Store(url)
    lease = Lease(store, ttl=30)
    assert lease.renew()
    with store.transaction() as db:
        enqueue(db, [Delivery("k1", "CALERTS", DeliveryOp.POST, None, {"text": "x"})])
    outbox = Outbox(store, lease)
    (row,) = outbox.heads()
    holder = psycopg.connect(url, autocommit=False)  # another replica, mid-claim
    holder.execute("SELECT id FROM alert_outbox WHERE id = %s FOR UPDATE", [row.id])
    started = time.monotonic()
    assert not outbox.claim(row, now=time.time(), until=time.time() + 60)
    assert time.monotonic() - started < 1.0  # SKIP LOCKED: no wait on the other's lock
    holder.rollback()
    holder.close()
    assert outbox.claim(row, now=time.time(), until=time.time() + 60)
    assert not outbox.claim(row, now=time.time(), until=time.time() + 60)  # once


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError) as told:
        Store("postgresql://fsync:s3cret-pw@127.0.0.1:1/fsync", busy_timeout=1)
    message = told.value.user_message
    assert "FSYNC_DATABASE_URL" in message and "127.0.0.1" in message
    assert "s3cret-pw" not in message and "s3cret-pw" not in repr(told.value)


def test_check_says_the_postgresql_database_is_usable_and_hides_its_password(url: str) -> None:
    with_password = url.replace("fsync@", "fsync:not-needed-pw@")
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret="s",
        slack_api_url="http://127.0.0.1:1/",  # refused at once: only the database line matters
        firestartr_api_url="http://127.0.0.1:1",
        firestartr_api_key="k",
        database_url=with_password,
    )
    out = io.StringIO()
    run_check(settings, out)
    text = out.getvalue()
    assert "Database postgresql://***@127.0.0.1" in text and "usable" in text
    assert "not-needed-pw" not in text
    assert settings.database == with_password


def test_a_database_url_that_is_not_postgresql_is_refused_with_what_to_type() -> None:
    with pytest.raises(ValueError, match="postgresql://user:password@host"):
        Settings(firestartr_api_key="k", database_url="mysql://x@y/z")


def test_a_bot_on_sqlite_never_loads_psycopg(tmp_path: Any) -> None:
    """psycopg and libpq cost every process ~9 MB at start-up: loaded only for
    a PostgreSQL URL."""
    probe = (
        "import sys, bot.app, bot.wiring; from bot.store import Store; "
        f"Store({str(tmp_path / 'fsync.db')!r}).audit(user_id='U', action='a', workspace='w', "
        "args={}, outcome='ok'); "
        "print(sorted(m for m in ('psycopg', 'bot.postgres') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_connection_the_server_dropped_is_replaced_on_the_next_call(url: str) -> None:
    store = Store(url)
    store.audit(user_id="U1", action="sync", workspace="w", args={}, outcome="ok")
    pid = store.db.raw.info.backend_pid  # type: ignore[union-attr]
    with psycopg.connect(url, autocommit=True) as admin:  # a failover, a restart, a proxy
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(StoreUnavailable):
        store.audit(user_id="U2", action="sync", workspace="w", args={}, outcome="ok")
    store.audit(user_id="U3", action="sync", workspace="w", args={}, outcome="ok")
    with store.transaction() as db:
        db.execute("SELECT 1")
    assert [e["user_id"] for e in store.audit_entries()] == ["U3", "U1"]


def test_a_writer_reads_what_the_one_before_committed_whatever_the_server_default(
    url: str,
) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        database = url.rsplit("/", 1)[1]
        admin.execute(
            f"ALTER DATABASE {database} SET default_transaction_isolation = 'repeatable read'"
        )
    first, second = Store(url), Store(url)
    first.facts.put("n", 0)
    read: list[Any] = []
    with first.transaction() as db:
        waiting = threading.Thread(target=lambda: read.append(_read_in_a_transaction(second)))
        waiting.start()
        wait_until(lambda: _queued_on_a_lock(url), what="the second writer queued on the lock")
        Facts(db).put("n", 1)
    waiting.join()
    assert read == [1]  # under REPEATABLE READ it read 0: its snapshot predated the lock


def _queued_on_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as look:
        row = look.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
    return bool(row and row[0])


def _read_in_a_transaction(store: Store) -> Any:
    with store.transaction() as db:
        fact = Facts(db).get("n")
        return None if fact is None else fact.value


@pytest.mark.parametrize(
    ("password", "hidden"), [("pa?ss", "pa?ss"), ("p#w", "p#w"), ("s3cr%t", "s3cr")]
)
def test_a_password_with_odd_characters_never_reaches_the_message(
    password: str, hidden: str
) -> None:
    with pytest.raises(StoreError) as told:
        Store(f"postgresql://fsync:{password}@127.0.0.1:1/fsync", busy_timeout=1)
    assert hidden not in told.value.user_message
    assert hidden not in str(told.value.__cause__ or "")


def test_a_seen_request_is_told_at_once_while_a_replica_holds_the_writer_lock(url: str) -> None:
    busy, other = Store(url), Store(url)
    seen = once.SeenRequests(other)
    with busy.transaction():
        started = time.monotonic()
        assert seen.first("sig:a") is True
        assert seen.first("sig:a") is False
        assert time.monotonic() - started < 0.5  # not behind the writer lock (1 s, then "act")
