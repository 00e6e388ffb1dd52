"""Words that read right: every kind of message fsync shows (tests/firsthour/words_kinds.py),
rendered with one and with two of each counted thing, is read for the mistakes a new user met in
the first hour: "1 workspaces", "2 conflict", "You are a operator", "1 open conflict(s)", "it is
still failed", and an error's message in parentheses inside another pair of parentheses.

A new kind of message is one more `@kind(...)` function in words_kinds.py; a new counted noun is
one more entry in NOUNS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.times import utcnow
from tests.firsthour.words_kinds import ADMIN, KINDS, OPERATOR, VIEWER, World, texts, world

# singular -> plural of the things fsync counts.
NOUNS = {
    noun: noun + "s"
    for noun in (
        "workspace conflict failure poll resource group problem route mute alert block change "
        "minute hour day second run action event channel error reminder attempt admin operator "
        "line message field setting name sync"
    ).split()
}
NOUNS["entry"] = "entries"
_BEFORE = r"(?:more |other |open |new |smaller )?"
ONE_OF_MANY = re.compile(rf"\b1 {_BEFORE}(?:{'|'.join(NOUNS.values())})\b")
MANY_OF_ONE = re.compile(rf"\b(?:0|[2-9]|[1-9]\d+) {_BEFORE}(?:{'|'.join(NOUNS)})\b(?!-)")
# "a" before a vowel sound; words that start with a vowel letter and a consonant sound pass.
A_BEFORE_VOWEL = re.compile(r"\b[Aa] (?!one\b|once\b|uni|use|usu|eu)[aeiouAEIOU]\w*")
STATUS_AS_ADJECTIVE = re.compile(
    r"\b(?:still|is) (?:failed|conflict|success|never_synced|awaiting_resolution)\b"
)
# "`30s` is 30s": a bound error must say the bound it breaks, not repeat the value.
SAID_TO_BE_ITSELF = re.compile(r"(?<![\w.])([\w.]+) is \1\b")
SLACK_MARKUP = re.compile(r"<[^<>]*>")  # <@U1>, <#C1>, <!date^...|...>, links


def readable(text: str) -> str:
    """The words as a person reads them: Slack's markup and mrkdwn's emphasis taken out."""
    text = SLACK_MARKUP.sub("X", text)
    text = re.sub(r"[*`~]", "", text)
    return re.sub(r"(?<!\w)_|_(?!\w)", "", text)


def nested_parentheses(text: str) -> str | None:
    depth = 0
    for at, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth > 1:
                return text[max(0, at - 60) : at + 60]
        elif char == ")":
            depth = max(0, depth - 1)
    return None


def problems(text: str) -> list[str]:
    words = readable(text)
    found = [f"{what}: {m.group()!r}" for what, rule in RULES for m in rule.finditer(words)]
    if "(s)" in words:
        found.append("(s) instead of a plural: " + repr(words[:120]))
    nested = nested_parentheses(words)
    if nested is not None:
        found.append(f"parentheses inside parentheses: {nested!r}")
    return found


RULES = [
    ("one of a plural", ONE_OF_MANY),
    ("many of a singular", MANY_OF_ONE),
    ("'a' before a vowel sound", A_BEFORE_VOWEL),
    ("a status used as an adjective", STATUS_AS_ADJECTIVE),
    ("a value said to be itself", SAID_TO_BE_ITSELF),
]


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("It covers 1 workspaces now: staging.", True),
        ("Sync status: 1 workspaces, 1 need attention", True),
        ("…and 1 more resources", True),
        ("1 other workspaces are fine or busy.", True),
        ("*2 conflict*: drift", True),
        ("You are a operator: to mute you need the admin role.", True),
        ("You are a *admin*", True),
        ("1 open conflict(s) in networking", True),
        ("The mute on prod* ended and it is still failed.", True),
        ("billing-api is still conflict", True),
        ("A sync interval must be between 1 minute and 7 days; `30s` is 30s.", True),
        (
            "The Sync API is not answering (The Sync API is unavailable right now (HTTP 503). "
            "Try again in a minute.)",
            True,
        ),
        ("It covers 1 workspace now: staging.", False),
        ("2 workspaces need attention; 1 needs attention", False),
        ("You are an operator; you are a viewer; a user; an hour; a one-off", False),
        ("<@U1> (<#C1>) muted `prod*` for 2h (planned)", False),
        ("The Sync API is unavailable right now (HTTP 503). Try again in a minute.", False),
        ("it is still failing; it is still in conflict", False),
        ("`30s` is shorter than the minimum of 1 minute; what is, is.", False),
    ],
)
def test_the_reader_catches_what_reads_wrong(text: str, caught: bool) -> None:
    assert bool(problems(text)) is caught, problems(text)


@pytest.fixture(params=[1, 2], ids=["one", "two"])
def counted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    made = world(request.param, Store(tmp_path / "fsync.db"))
    yield made
    made.service.client.close()


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_message_reads_right_with_one_and_with_two(name: str, counted: World) -> None:
    shown = KINDS[name](counted)
    said = [text for payload in shown for text in texts(payload)]
    assert said, f"{name}: rendered nothing"
    found = sorted({problem for text in said for problem in problems(text)})
    assert not found, f"{name} with {counted.n}:\n" + "\n".join(found)


def audit_lines(made: World) -> list[str]:
    """The audit log's lines, newest first, as `/fsync audit` shows them."""
    from bot.slack import views

    answer = views.audit_message(made.service.audit(), None, utcnow())
    return [line for block in answer["blocks"][1:] for line in block["text"]["text"].split("\n")]


def test_the_audit_log_reads_as_sentences(tmp_path: Path) -> None:
    made = world(1, Store(tmp_path / "fsync.db"))
    service = made.service
    service.change_config(
        ADMIN, "dev", {"sync_interval": "15m", "auto_apply": True}, confirmed=True
    )
    service.change_config(ADMIN, "dev", {"sync_interval": "15m"})
    service.sync(OPERATOR, "dev")
    service.sync(ADMIN, "prod-db", confirmed=True)
    with pytest.raises(Exception, match="operator role"):
        service.require(VIEWER, "mute", args={"glob": "prod*", "seconds": 7200, "reason": ""})
    with pytest.raises(Exception, match="admin role"):
        service.change_config(OPERATOR, "dev", {"auto_apply": False})
    lines = audit_lines(made)
    assert lines == [
        ":no_entry: <@UOPER0001> tried to change dev: auto-apply → off — refused: "
        "needs the admin role · just now",
        ":no_entry: <@UVIEW0001> tried to mute `prod*` for 2h — refused: needs the operator role"
        " · just now",
        ":white_check_mark: <@UADMIN001> confirmed and started a sync of prod-db · just now",
        ":white_check_mark: <@UOPER0001> started a sync of dev · just now",
        ":heavy_minus_sign: <@UADMIN001> asked to change dev: no change, interval was already 15m"
        " · just now",
        ":white_check_mark: <@UADMIN001> changed dev: auto-apply off → on, interval 10m → 15m"
        " · just now",
    ]
    made.service.client.close()
