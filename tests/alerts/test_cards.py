"""cards: pure Block Kit. Every message validates; every API text is escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.alerts.model import Decision, Episode, Event
from bot.slack import alert_cards as cards
from bot.slack import alert_notices
from tests.alerts.blockkit import assert_valid, shown
from tests.alerts.conftest import NOW, POLICY

EVIL = "<!channel> disk full <@U999> <https://evil.example|click> & more"
CONFLICT = {
    "id": "cfl_01J9ZK3M2Q",
    "workspace": "networking",
    "status": "open",
    "type": "drift",
    "summary": "2 resources changed <!here>",
    "resources": [
        {
            "address": "aws_vpn_connection.office",
            "action": "update",
            "changed_attributes": [
                {"path": "psk", "desired": None, "actual": None, "sensitive": True}
            ],
        }
    ],
    "allowed_resolutions": ["apply_desired", "accept_remote", "ignore_once", "abort"],
}


def episode(workspace: str = "billing-api", kind: str = "failed", **kw: object) -> Episode:
    fields = {"status": kind, "message": EVIL, "first_message": EVIL, "failures": 1}
    fields.update(kw)
    return Episode(f"ep_{workspace}", workspace, kind, NOW, **fields)  # type: ignore[arg-type]


CASES = {
    "failed": episode(),
    "failed again": episode(failures=3),
    "conflict": episode("networking", "conflict", message="drift", conflicts=(CONFLICT,)),
    "conflict without details": episode("networking", "conflict", message=None),
    "stalled": episode("dev", "stalled", status="success", message=None),
    "recovered": episode(closed_at=NOW + timedelta(minutes=12), closed_how="recovered"),
    "gone": episode(status="disabled", closed_at=NOW, closed_how="gone"),
    "api down": episode("", "api", status="down", failures=3),
    "api back": episode("", "api", status="up", closed_at=NOW + timedelta(minutes=5)),
}


@pytest.mark.parametrize("name", CASES)
def test_cards_validate_and_escape(name: str) -> None:
    card = cards.episode_card(CASES[name], POLICY, note="The mute on <!channel> ended")
    assert_valid(card)
    text = shown(card)
    assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text
    reply = cards.reply(Event("failed", CASES[name]))
    assert_valid(reply)
    assert "<!channel>" not in shown(reply)


def test_the_failure_message_is_shown_escaped() -> None:
    text = shown(cards.episode_card(episode(), POLICY))
    assert "&lt;!channel&gt; disk full" in text and "&amp; more" in text


def test_a_conflict_card_has_working_resolution_buttons_and_hides_secrets() -> None:
    card = cards.episode_card(CASES["conflict"], POLICY)
    (buttons,) = [b for b in card["blocks"] if b.get("block_id") == "resolve:cfl_01J9ZK3M2Q"]
    assert len(buttons["elements"]) == 4
    assert "sensitive value hidden" in shown(card)


def test_a_resolved_conflict_says_who_resolved_it() -> None:
    resolved = replace(CASES["conflict"], conflicts=({**CONFLICT, "status": "resolved"},))
    card = cards.episode_card(
        resolved, POLICY, resolutions={CONFLICT["id"]: Decision("UOPER0001", "apply_desired")}
    )
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert "Resolved by <@UOPER0001>" in shown(card)


def test_recovery_says_how_long_it_was_broken() -> None:
    assert "back to success after 12m failing" in cards.headline(CASES["recovered"])
    assert "back* after 5m down" in cards.headline(CASES["api back"])


def storm(count: int) -> list[Episode]:
    messages = [
        "Error: lock {n} held by run_{n:05d}",
        "Error: 403 Forbidden for RequestID {n:08d}X7Q",
    ]
    return [
        episode(f"ws-{n:05d}", message=messages[n % 2].format(n=n), first_message=None)
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [6, 200, 10_000])
def test_a_digest_groups_by_fingerprint_with_the_detail_in_at_most_20_messages(count: int) -> None:
    episodes = [replace(e, first_message=e.message) for e in storm(count)]
    digest = cards.digest(episodes)
    assert_valid(digest)
    assert f"{count} workspaces need attention" in digest["text"]
    assert len(cards.groups(episodes)) == 2
    details = cards.digest_details(episodes)
    assert 1 <= len(details) <= 20
    for page in details:
        assert_valid(page)
    everything = "".join(shown(page) for page in details)
    assert set(re.findall(r"\*(ws-\d+)\*", everything)) == {e.workspace for e in episodes}


def test_a_digest_drawn_again_is_grouped_again_only_when_what_it_groups_by_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Names of their own: no other test's digest has these members.
    members = [
        replace(e, workspace=f"redraw-{n:03d}", first_message=e.message)
        for n, e in enumerate(storm(200))
    ]
    grouped: list[int] = []
    real = cards.groups
    monkeypatch.setattr(cards, "groups", lambda eps: grouped.append(len(eps)) or real(eps))
    first = cards.digest(members)
    # Three back: new objects with the same faces; only the count of those back changes.
    for n in (0, 1, 2):
        members[n] = replace(members[n], status="success", closed_at=NOW, closed_how="recovered")
    again = cards.digest(members)
    assert_valid(again)
    assert again["blocks"][:-2] == first["blocks"][:-1]
    assert "3 of 200 are back since" in shown(again)
    # One of them first failed with another error (another face): grouped again, and shown.
    members[7] = replace(members[7], first_message="Error: quota exceeded in <!here>")
    changed = cards.digest(members)
    assert_valid(changed)
    text = shown(changed)
    assert "quota exceeded in &lt;!here&gt;" in text and "*99 " in text
    assert "3 of 200 are back since" in text
    assert grouped == [200, 200]  # before, once per draw


def test_news_of_many_episodes_is_packed() -> None:
    events = [
        Event("recovered", replace(e, closed_at=NOW, closed_how="recovered")) for e in storm(300)
    ]
    pages = cards.news(events, "Back to success")
    assert 1 <= len(pages) <= 20
    for page in pages:
        assert_valid(page)


def test_notices_validate_and_mention_the_admins() -> None:
    notice = alert_notices.channel_disabled("CGONE0001", "channel_not_found", ["UADMIN001"])
    assert_valid(notice)
    assert "<@UADMIN001>" in notice["text"] and "<#CGONE0001>" in shown(notice)
    line = alert_notices.test_line("prod*", ["failed"], "UOPER0001")
    assert_valid(line)
    held = alert_notices.default_channel_held("CALERTS", "is_archived", ["UADMIN001"], 180.0)
    assert_valid(held)
    assert "held, not lost" in held["text"] and "every 3 min" in held["text"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_only_an_open_failure_card_offers_view_log_for_its_workspace(name: str) -> None:
    card = cards.episode_card(CASES[name], POLICY)
    values = [
        e["value"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "fsync_view_log"
    ]
    # The episode names no run: the click reads the workspace's last run (`last_run_id`).
    assert values == (['{"w":"billing-api"}'] if name.startswith("failed") else [])
