from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidIdentifier, InvalidWorkspaceName
from bot.firestartr.models import NAME_PATTERN
from bot.firestartr.names import suggest, validate_id, validate_name

RULE = (
    "Names use letters, digits, `.`, `_` and `-`, starting with a letter or digit, "
    "at most 90 characters."
)


@pytest.mark.parametrize(
    "name", ["production", "prod-eu-1", "a", "A.b_c-d", "9lives", "x" * 90, "v1.2"]
)
def test_valid_names_pass_unchanged(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../config", "`../config` is not a valid workspace name (it contains `/`). " + RULE),
        ("a/b", "`a/b` is not a valid workspace name (it contains `/`). " + RULE),
        ("%2e%2e", "`%2e%2e` is not a valid workspace name (it contains `%`). " + RULE),
        ("a..b", "`a..b` is not a valid workspace name (it contains `..`). " + RULE),
        ("a\\b", "`a\\b` is not a valid workspace name (it contains `\\`). " + RULE),
        (
            " prod",
            "` prod` is not a valid workspace name (it contains spaces or line breaks). " + RULE,
        ),
        (
            "prod\n",
            "`prod\\n` is not a valid workspace name (it contains spaces or line breaks). " + RULE,
        ),
        (
            "x" * 200,
            "`" + "x" * 39 + "…` is not a valid workspace name (it has 200 characters). " + RULE,
        ),
        (
            "-prod",
            "`-prod` is not a valid workspace name (it must start with a letter or digit). " + RULE,
        ),
        ("prød", "`prød` is not a valid workspace name (it contains `ø`). " + RULE),
        (
            "",
            "Give a workspace name: letters, digits, `.`, `_` and `-`, starting with a letter "
            "or digit, at most 90 characters.",
        ),
    ],
)
def test_bad_names_are_refused_with_what_is_allowed(name: str, message: str) -> None:
    with pytest.raises(InvalidWorkspaceName) as info:
        validate_name(name)
    assert info.value.user_message == message


@pytest.mark.parametrize("value", [None, 42, b"prod", ["prod"]])
def test_non_text_names_are_refused(value: object) -> None:
    with pytest.raises(InvalidWorkspaceName, match="must be text"):
        validate_name(value)  # type: ignore[arg-type]


@given(st.text(max_size=120))
def test_validate_name_accepts_exactly_the_safe_names(name: str) -> None:
    safe = NAME_PATTERN.fullmatch(name) is not None and ".." not in name and "\n" not in name
    try:
        assert validate_name(name) == name
    except InvalidWorkspaceName as exc:
        assert not safe
        assert exc.user_message
    else:
        assert safe


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,89}", fullmatch=True))
def test_every_name_matching_the_contract_pattern_passes(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("value", ["run_01J9ZK2W7D", "cfl.1", "a", "x" * 128, "a..b"])
def test_valid_ids(value: str) -> None:
    assert validate_id(value, "run id") == value


@pytest.mark.parametrize("value", ["", ".", "..", "../x", "a/b", "%2e", "x" * 129, "a b", "é"])
def test_bad_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid conflict id"):
        validate_id(value, "conflict id")


KNOWN = ["production", "staging", "dev", "prod-eu", "preprod", "Sandbox"]


@pytest.mark.parametrize(
    ("name", "n", "expected"),
    [
        ("prod", 3, ["prod-eu", "production", "preprod"]),
        ("production", 3, ["production"]),
        ("PRODUCTION", 3, ["production"]),
        ("producton", 3, ["production", "prod-eu"]),
        ("stagin", 3, ["staging"]),
        ("production-eu", 3, ["production", "prod-eu"]),
        ("sandbox", 3, ["Sandbox"]),
        ("dve", 3, ["dev"]),
        ("zzz", 3, []),
        ("", 3, []),
        ("prod", 1, ["prod-eu"]),
        ("prod", 0, []),
    ],
)
def test_suggest(name: str, n: int, expected: list[str]) -> None:
    assert suggest(name, KNOWN, n) == expected


def test_suggest_takes_any_iterable_and_ignores_junk() -> None:
    known = iter(["staging", "", None, "staging", 3])
    assert suggest("stage", known) == ["staging"]  # type: ignore[arg-type]
