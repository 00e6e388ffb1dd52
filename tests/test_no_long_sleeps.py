"""No test sleeps a fixed time longer than a second: it waits on a fact instead
(tests/support/waiting.py), so a slow machine cannot pass it unseen and a fast one does not idle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
LONGEST = 1.0


def long_sleeps(source: str) -> list[tuple[int, float]]:
    """(line, seconds) of every `time.sleep(c)` / `sleep(c)` whose constant c is over LONGEST."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        is_sleep = (
            isinstance(func, ast.Attribute)
            and func.attr == "sleep"
            and isinstance(func.value, ast.Name)
            and func.value.id == "time"
        ) or (isinstance(func, ast.Name) and func.id == "sleep")
        if not is_sleep:
            continue
        try:
            seconds = ast.literal_eval(node.args[0])
        except ValueError:
            continue  # a computed wait (a fake clock's, a rate limiter's): not a fixed sleep
        if isinstance(seconds, int | float) and seconds > LONGEST:
            found.append((node.lineno, float(seconds)))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import time\ntime.sleep(2)", [(2, 2.0)]),
        ("from time import sleep\nsleep(1.5)", [(2, 1.5)]),
        ("import time\ntime.sleep(30)", [(2, 30.0)]),
        ("import time\ntime.sleep(1)\ntime.sleep(0.05)", []),
        ("import time\ntime.sleep(delay)", []),
    ],
)
def test_the_scan_finds_long_fixed_sleeps(source: str, expected: list[tuple[int, float]]) -> None:
    assert long_sleeps(source) == expected


def test_no_test_sleeps_a_fixed_time_longer_than_a_second() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}: sleeps {seconds:g} s"
        for path in sorted(TESTS.rglob("*.py"))
        for line, seconds in long_sleeps(path.read_text())
    ]
    assert offenders == [], "wait on a fact instead (tests/support/waiting.py):\n" + "\n".join(
        offenders
    )
