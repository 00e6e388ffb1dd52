"""The /fsync grammar: what people type, and what they are told when it is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.durations import normalise_interval
from bot.core.parser import Command, parse
from bot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help")),
        ("help", Command("help")),
        ("status", Command("status")),
        ("STATUS staging", Command("status", workspace="staging")),
        ("sync `staging`", Command("sync", workspace="staging")),
        ("config", Command("config")),
        (
            "config staging interval=2 hours auto_apply=off enabled=on",
            Command(
                "config",
                workspace="staging",
                changes={"sync_interval": "2h", "auto_apply": False, "enabled": True},
            ),
        ),
        (
            "config conflict_resolution=manual",
            Command("config", changes={"conflict_resolution": "manual"}),
        ),
        ("config enabled=off", Command("config", changes={"enabled": False})),
        ("conflicts", Command("conflicts")),
        ("audit dev", Command("audit", workspace="dev")),
        (
            "subscribe prod* failed conflict",
            Command("subscribe", glob="prod*", events=("failed", "conflict")),
        ),
        ("subscribe *", Command("subscribe", glob="*")),
        ("unsubscribe prod*", Command("unsubscribe", glob="prod*")),
        ("subscriptions", Command("subscriptions")),
        (
            "mute dev 2 hours planned maintenance",
            Command("mute", glob="dev", seconds=7200, reason="planned maintenance"),
        ),
        ("mute dev 90m", Command("mute", glob="dev", seconds=5400)),
        ("unmute dev", Command("unmute", glob="dev")),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "is not an fsync command"),
        ("sync", "needs exactly one workspace"),
        ("sync a b", "needs exactly one workspace"),
        ("status a b", "at most one workspace"),
        ("config staging interval=5", "has no unit"),
        ("config staging interval=30s", "between 1 minute and 7 days"),
        ("config staging interval=8d", "between 1 minute and 7 days"),
        ("config staging auto_apply=maybe", "takes `on` or `off`"),
        ("config staging colour=blue", "Unknown setting"),
        ("config staging conflict_resolution=manual", "is global"),
        ("config interval=5m", "is set per workspace"),
        ("config conflict_resolution=yolo", "is one of manual, apply_desired, accept_remote"),
        ("config staging oops", "Expected `key=value`"),
        ("subscribe", "needs a workspace or pattern"),
        ("subscribe prod* explosions", "Unknown event"),
        ("subscribe ../etc", "is not a workspace name or pattern"),
        ("mute dev", "needs a pattern and a duration"),
        ("mute dev forever", "is not a duration"),
        ("mute dev 10s", "between 1 minute and 30 days"),
        ("x" * 3000, "too long"),
    ],
)
def test_refusals_say_what_to_type(text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert says in caught.value.user_message


@pytest.mark.parametrize(
    ("typed", "wire"),
    [
        ("90m", "90m"),
        ("1h30m", "90m"),
        ("1h 30m", "90m"),
        ("2 hours", "2h"),
        ("90 min", "90m"),
        ("1.5h", "90m"),
        ("60m", "1h"),
        ("1d12h", "36h"),
        ("7d", "7d"),
        ("1 minute", "1m"),
        ("120s", "2m"),
        ("1 week", "7d"),
    ],
)
def test_intervals_are_normalised_to_the_largest_even_unit(typed: str, wire: str) -> None:
    assert normalise_interval(typed) == wire


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    try:
        command = parse(text)
    except UsageError as exc:
        assert exc.user_message and len(exc.user_message) < 600
    else:
        assert isinstance(command, Command)
