"""A storm digest drawn again by the poller as its workspaces come back (bot/alerts/members.py,
bot/slack/alert_cards.py `digest`): each update says what the database holds after its tick,
while the digest's member ids are read once per lease, not on every tick that touches it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.alerts import repo
from bot.slack import alert_cards
from bot.slack.deps import Deps
from tests.alerts.blockkit import assert_valid, shown
from tests.alerts.test_poller import Api
from tests.support.pollers import mock_api_poller
from tests.support.postgres import settings_for

STORM_SIZE = 30
IDS = repo.member_ids  # uncounted, for what the database holds
ERRORS = ["Error: state lock held by run_{n:05d}", "Error: 403 Forbidden for request {n:08d}"]


def updates(deps: Deps) -> list[tuple[str, dict[str, Any]]]:
    rows = deps.store.db.execute(
        "SELECT key, payload FROM alert_outbox WHERE op = 'update' ORDER BY id"
    ).fetchall()
    return [(str(key), json.loads(payload)) for key, payload in rows]


def fresh_draw(deps: Deps, card: str) -> dict[str, Any]:
    """The digest as the database holds it, drawn from scratch."""
    db = deps.store.db
    ids = IDS(db, card)
    found = repo.episodes_by_id(db, ids)
    return alert_cards.digest([found[i] for i in ids])


def test_a_storm_digest_says_who_is_back_each_tick_reading_its_members_once_per_lease(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api()
    names = [f"storm-{n:02d}" for n in range(STORM_SIZE)]
    for n, name in enumerate(names):
        api.set(name, "failed", ERRORS[n % 2].format(n=n))
    deps, poller, lease = mock_api_poller(api, **settings_for(database))
    poller.tick()
    (card,) = [c for (c,) in deps.store.db.execute("SELECT key FROM alert_cards").fetchall()]
    assert card.startswith("digest:")
    reads: list[str] = []
    monkeypatch.setattr(repo, "member_ids", lambda db, c: reads.append(c) or IDS(db, c))

    back = 0
    for tick in range(4):
        if tick == 3:  # the lease lost and regained: the next tick reads the digest again
            lease.release()
            assert lease.renew()
        for name in names[back : back + 2]:
            api.set(name, "success")
        back += 2
        poller.tick()
        key, payload = updates(deps)[-1]
        assert key.startswith(f"update:{card}:")
        assert_valid(payload)
        assert f"{back} of {STORM_SIZE} are back since" in shown(payload)
        assert "*15 " in shown(payload)  # both groups as the storm opened them
        assert payload == fresh_draw(deps, card)
    assert len(updates(deps)) == 4
    assert reads == [card, card]  # before, one per tick: the whole digest joined again
