"""Two replicas, end to end (issue 16): two `fsync-bot run` processes in HTTP mode on one
database (`replica_db`: SQLite today, PostgreSQL once merged), one simulator, one fake Slack.

- Commands are answered by both, whichever the load balancer picks.
- `kill -9` of the lease holder while Slack is down and 100 alerts wait in the outbox: the other
  replica takes over within the lease's TTL plus one poll, and once Slack is back every alert
  arrives exactly once.
- One signed request sent to both replicas at the same moment acts once.

Both replicas are started at the same moment on a new database, as a deployment starts them.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.store import Store
from bot.wiring import lease_ttl
from tests.alerts.historyslack import HistorySlack
from tests.support import slackreq
from tests.support.alertstack import sim_and_slack
from tests.support.botproc import OPERATOR
from tests.support.replicas import (
    LEASE_HELD,
    OUTBOX_DEPTH,
    Replicas,
    at_the_same_time,
    metric,
    slack_down,
    slack_up,
)
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

KEY = "sim-key-replicas-not-a-secret"
POLL = 1.0  # FSYNC_POLL_INTERVAL: the lease's TTL follows from it (bot/wiring.py)
# 100 failures as 20 channels x 5: a channel that gets more than STORM (5) new cards in one poll
# gets one digest instead (bot/alerts/router.py), and then "100 alerts" would be one message and
# its thread. At 5 a channel every failure is a card of its own, with a key of its own, however
# the 100 fall across polls: so "each pending delivery arrives exactly once" is 100 distinct keys.
CHANNELS, PER_CHANNEL = 20, 5


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + str(message.get("text"))


sim, slack = sim_and_slack(KEY, sync_seconds="0.3")


@pytest.fixture()
def replicas(
    replica_db: dict[str, str], sim: SimProcess, slack: HistorySlack, tmp_path: Path
) -> Iterator[Replicas]:
    sim.reset()
    # One poll a second by the holder, plus every test's commands, is more than the simulator's
    # default 100 requests a minute over a module; a 429 is not what these tests are about.
    sim.control("POST", "/_sim/faults", {"rate_limit_per_minute": 5000}).raise_for_status()
    slack.reset()
    env = {"FSYNC_POLL_INTERVAL": str(POLL), "FIRESTARTR_RATE_LIMIT": "5000"}
    pair = Replicas(slack, sim, tmp_path, replica_db, **env).start()
    yield pair
    slack_up(slack)
    pair.stop()


def test_commands_are_answered_by_both_replicas(replicas: Replicas) -> None:
    holder = replicas.holder()
    for bot in replicas.bots:
        answer, name = bot.command("status")
        assert answer.status_code == 200
        (reply,) = bot.responses(name)
        assert "billing-api" in shown(reply) and "production" in shown(reply)
    # Ready, both: the holder once it has polled, the other because it sees a live holder.
    for bot in replicas.bots:
        wait_until(lambda bot=bot: bot.http.get("/readyz").status_code == 200, what="ready")
    waiting = replicas.other(holder).http.get("/readyz").json()
    assert waiting["lease"] not in (None, "this process")
    assert metric(replicas.other(holder), LEASE_HELD) == 0.0


def test_kill_9_of_the_lease_holder_with_100_alerts_pending_delivers_each_once(
    replicas: Replicas, sim: SimProcess, slack: HistorySlack
) -> None:
    channels = [f"CRP{c:02d}" for c in range(CHANNELS)]
    for c, channel in enumerate(channels):  # routes made through either replica, alternately
        bot = replicas.bots[c % 2]
        _, name = bot.command(f"subscribe rp-{c:02d}-*", user=OPERATOR, channel=channel)
        (answer,) = bot.responses(name)
        assert "rp-" in shown(answer), shown(answer)
    holder = replicas.holder()
    survivor = replicas.other(holder)

    slack_down(slack)
    down_at = time.time()
    names = [f"rp-{c:02d}-{n}" for c in range(CHANNELS) for n in range(PER_CHANNEL)]
    for name in names:
        added = sim.control("POST", "/_sim/workspaces", {"name": name, "status": "failed"})
        added.raise_for_status()
    # Pending: all 100 queued, and the holder has tried every channel and been refused.
    wait_until(lambda: metric(survivor, OUTBOX_DEPTH) == 100, what="100 alerts in the outbox")
    wait_until(
        lambda: {c.args.get("channel") for c in _posts_since(slack, down_at)} >= set(channels),
        what="a refused post to every channel",
    )
    assert metric(survivor, OUTBOX_DEPTH) == 100  # nothing got through

    killed_at = time.monotonic()
    holder.kill()  # SIGKILL: no release of the lease, no last words
    slack_up(slack)
    wait_until(lambda: metric(survivor, LEASE_HELD) == 1.0, what="the survivor to take over")
    took = time.monotonic() - killed_at
    ttl = lease_ttl(POLL)
    # The dead holder's last renewal was at most `ttl` before its lease runs out; the survivor
    # tries every ttl / 4 (= one poll here): so at most ttl + one poll after the kill.
    assert took <= ttl + POLL, f"took over after {took:.2f} s (TTL {ttl} s, poll {POLL} s)"

    wait_until(lambda: len(_card_keys(slack)) >= len(names), timeout=60, what="100 cards")
    delivered = time.monotonic() - killed_at
    print(
        f"kill -9: taken over after {took:.2f} s (bound {ttl + POLL:.1f} s), 100 delivered "
        f"after {delivered:.2f} s"
    )
    wait_until(lambda: metric(survivor, OUTBOX_DEPTH) == 0, what="the outbox to drain")
    polls = sim.listings()  # two more polls by the survivor: nothing more is computed or sent
    wait_until(lambda: sim.listings() >= polls + 2, what="two more polls")

    keys = _card_keys(slack)
    repeated = {key: n for key, n in Counter(keys).items() if n > 1}
    assert repeated == {}, f"posted more than once: {repeated}"
    assert len(keys) == len(set(keys)) == len(names)
    for c, channel in enumerate(channels):
        cards = [m for m in slack.posts(channel) if _key(m).startswith("card:")]
        for n in range(PER_CHANNEL):
            about = [m for m in cards if f"rp-{c:02d}-{n}" in shown(m)]
            assert len(about) == 1, f"rp-{c:02d}-{n}: {len(about)} cards in {channel}"
    assert "alerts lease taken" in survivor.log()
    assert slack.invalid == []


def test_one_signed_request_sent_to_both_replicas_acts_once(
    replicas: Replicas, sim: SimProcess, slack: HistorySlack
) -> None:
    body = slackreq.command_body(
        "sync staging", user=OPERATOR, channel="CREPLAY", response_url=slack.response_url("rp")
    )
    headers = slackreq.sign(body)  # the same body, signature and timestamp to both
    first, second = replicas.bots
    answers = at_the_same_time(
        lambda: first.post(body, headers=dict(headers)),
        lambda: second.post(body, headers=dict(headers)),
    )
    assert [a.status_code for a in answers] == [200, 200]  # type: ignore[attr-defined]
    # One of them says it ignored a replay; the run the other started goes to its end.
    ignored = wait_until(
        lambda: [b for b in replicas.bots if "ignored a replayed Slack request" in b.log()],
        what="a replica to ignore the replay",
    )
    assert len(ignored) == 1  # and so the other one acted
    slack.wait_for("chat.update", lambda c: "succeeded" in shown(c.args), timeout=20)
    triggers = [r for r in sim.requests() if r["method"] == "POST" and r["path"].endswith("/sync")]
    assert len(triggers) == 1
    (card,) = slack.posts("CREPLAY")
    assert "Sync of *staging* requested by" in shown(card)


def test_replicas_opening_a_new_database_at_the_same_moment_all_start(
    replica_db: dict[str, str],
) -> None:
    """The start-up race `replicas` above runs into about one time in three on a new SQLite
    file (one replica exits "database is locked" mid-migration), made certain: six replicas'
    stores opened at the same moment, in threads (each has its own connection, as a process
    would). Each comes up, on a database every one of them can use."""
    settings = Settings(**replica_db)
    stores = at_the_same_time(*[lambda: Store(settings.database) for _ in range(6)])
    assert all(isinstance(store, Store) and store.ping() for store in stores)


def _posts_since(slack: HistorySlack, since: float) -> list[Any]:
    return [c for c in slack.of("chat.postMessage") if c.at >= since]


def _key(message: dict[str, Any]) -> str:
    return str(((message.get("metadata") or {}).get("event_payload") or {}).get("key", ""))


def _card_keys(slack: HistorySlack) -> list[str]:
    """The key of every alert card Slack holds in the test's channels (a repeat: posted twice)."""
    return [k for k in slack.keys() if k.startswith("card:") and ":CRP" in k]
