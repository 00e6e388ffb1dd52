"""Whether two workspace patterns can match one name: what decides that `prod-eu*` or `*-api`
reaches `FSYNC_PROTECTED=prod*` before any such workspace exists."""

from __future__ import annotations

import itertools
from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.globs import overlap


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("*", "prod*", True),
        ("prod*", "prod*", True),
        ("p*", "prod*", True),
        ("prod-eu*", "prod*", True),  # no such workspace today; one that appears is protected
        ("*-api", "prod*", True),  # prod-api
        ("pro?", "prod*", True),
        ("production", "prod*", True),
        ("[o-q]rod", "prod*", True),
        ("dev", "prod*", False),
        ("stag*", "prod*", False),
        ("billing-api", "prod*", False),
        ("pr?", "prod*", False),  # three characters cannot start with four
        ("[a-o]*", "prod*", False),
        ("[a-s]*", "ws-*", False),
        ("*a*b", "b*a", False),  # ends in b, ends in a
    ],
)
def test_overlap(a: str, b: str, expected: bool) -> None:
    assert overlap(a, b) is expected
    assert overlap(b, a) is expected


# Patterns over a, b and `-` with wildcards: a name matching both, if any, can be spelt with those
# three characters and is at most 6 long, so trying every such name settles it.
NAMES = ["".join(p) for n in range(7) for p in itertools.product("ab-", repeat=n)]
PATTERN = st.text(alphabet="ab-*?", max_size=3)


@given(PATTERN, PATTERN)
def test_overlap_agrees_with_trying_every_name(a: str, b: str) -> None:
    some = any(fnmatchcase(name, a) and fnmatchcase(name, b) for name in NAMES)
    assert overlap(a, b) is some
