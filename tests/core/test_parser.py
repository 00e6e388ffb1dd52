"""The /fsync grammar: what people type, and what they are told when it is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.command import (
    Audit,
    ChangeConfig,
    Command,
    Conflicts,
    Help,
    History,
    Mute,
    ShowConfig,
    Status,
    Subscribe,
    Subscriptions,
    Sync,
    Unmute,
    Unsubscribe,
)
from bot.core.durations import normalise_interval
from bot.core.parser import HELP, parse
from bot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("status", Status(None)),
        ("history staging", History("staging", 7)),
        ("history `staging` 30D", History("staging", 30)),
        ("history staging 90d", History("staging", 90)),
        ("STATUS staging", Status("staging")),
        ("sync `staging`", Sync("staging")),
        ("config", ShowConfig(None)),
        ("config staging", ShowConfig("staging")),
        (
            "config staging interval=2 hours auto_apply=off enabled=on",
            ChangeConfig(
                "staging", changes={"sync_interval": "2h", "auto_apply": False, "enabled": True}
            ),
        ),
        (
            "config conflict_resolution=manual",
            ChangeConfig(None, {"conflict_resolution": "manual"}),
        ),
        ("config enabled=off", ChangeConfig(None, {"enabled": False})),
        ("conflicts", Conflicts(None)),
        ("conflicts production", Conflicts("production")),
        ("audit dev", Audit("dev")),
        ("subscribe prod* failed conflict", Subscribe("prod*", ("failed", "conflict"))),
        ("subscribe *", Subscribe("*", ())),
        ("unsubscribe prod*", Unsubscribe("prod*", ())),
        ("unsubscribe prod* recovered", Unsubscribe("prod*", ("recovered",))),
        ("subscriptions", Subscriptions()),
        ("mute dev 2 hours planned maintenance", Mute("dev", 7200, "planned maintenance")),
        ("mute dev 90m", Mute("dev", 5400, "")),
        ("unmute dev", Unmute("dev")),
    ],
)
def test_parse(text: str, expected: Command) -> None:
    """Each subcommand parses to its own type, holding exactly the fields it takes (a dataclass
    equals only an instance of its own class)."""
    got = parse(text)
    assert type(got) is type(expected)
    assert got == expected


@pytest.mark.parametrize(("usage", "example"), [(usage, ex) for usage, _, ex in HELP])
def test_every_example_in_help_parses_to_the_subcommand_it_shows(usage: str, example: str) -> None:
    assert parse(example.removeprefix("/fsync ")).name == usage.split()[0]


def test_a_required_field_cannot_be_left_out() -> None:
    """`sync` without a workspace, `mute` without a duration...: not a value a handler can get."""
    with pytest.raises(TypeError):
        Sync()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Mute("dev")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ChangeConfig("dev")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "is not an fsync command"),
        ("sync", "needs exactly one workspace"),
        ("sync a b", "needs exactly one workspace"),
        ("history", "needs one workspace"),
        ("history a 7d b", "needs one workspace"),
        ("history a 14d", "covers `7d`, `30d`, `90d`, not `14d`"),
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
