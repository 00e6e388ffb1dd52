"""Sizes a reader can hold in their head: no module under bot/ over 300 lines, and every Bolt
listener a thin adapter (ack, decode, call the service, render, respond) of at most 20 lines.

The listeners are the ones the real App registers (`build_app`), not a list kept here: a new
`@app.action` anywhere is measured too."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot import wiring
from bot.app import build_app
from bot.settings import Settings

BOT = Path(__file__).resolve().parent.parent / "bot"
MAX_MODULE_LINES = 300
MAX_LISTENER_LINES = 20


def test_no_module_under_bot_passes_300_lines() -> None:
    sizes = {
        str(path.relative_to(BOT.parent)): len(path.read_bytes().splitlines())
        for path in sorted(BOT.rglob("*.py"))
    }
    assert sizes, "no modules found under bot/"
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines (split along a seam): {too_long}"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    # Nothing is started: building the App registers every listener, which is all we read.
    settings = Settings(
        slack_bot_token="xoxb-sizes",
        slack_signing_secret="sizes-secret",
        slack_api_url="http://127.0.0.1:9/api/",
        firestartr_api_url="http://127.0.0.1:9",
        firestartr_api_key="sizes-key",
        db_path=tmp_path / "fsync.db",
    )
    deps = wiring.build(settings, web=WebClient(base_url=settings.slack_api_url, token="xoxb-x"))
    yield build_app(deps, token_verification=False)
    deps.stop_background()


def _functions(app: App) -> Iterator[Callable[..., Any]]:
    for listener in app._listeners:
        yield listener.ack_function
        yield from listener.lazy_functions


def body_lines(function: Callable[..., Any]) -> int:
    """Lines from the first statement of the function's body to its last (decorators and the
    signature are not the body; a docstring is)."""
    source = textwrap.dedent(inspect.getsource(function))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    end = node.end_lineno or node.body[-1].lineno
    return end - node.body[0].lineno + 1


def test_every_registered_listener_is_found(app: App) -> None:
    names = {inspect.unwrap(f).__name__ for f in _functions(app)}
    # One of each kind the app registers: a command, an action, a view submission, an event.
    assert {"fsync_command", "on_sync", "on_submit", "on_home_opened"} <= names


def test_no_listener_body_passes_20_lines(app: App) -> None:
    sizes = {}
    for function in _functions(app):
        original = inspect.unwrap(function)  # reply.guard wraps each listener (functools.wraps)
        where = f"{original.__module__}.{original.__qualname__}"
        sizes[where] = body_lines(original)
    assert sizes
    too_long = {name: n for name, n in sizes.items() if n > MAX_LISTENER_LINES}
    assert not too_long, (
        f"listener bodies over {MAX_LISTENER_LINES} lines (move the logic into a service or a "
        f"view): {too_long}"
    )


def register_helpers() -> dict[str, int]:
    """Body lines of every function defined inside a `register(app, deps)` in bot/slack: the
    listeners, and the helpers several of them share (their body is listener code too)."""
    sizes = {}
    for path in sorted((BOT / "slack").glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for register in tree.body:
            if not (isinstance(register, ast.FunctionDef) and register.name == "register"):
                continue
            for node in register.body:
                if isinstance(node, ast.FunctionDef):
                    end = node.end_lineno or node.body[-1].lineno
                    sizes[f"bot.slack.{path.stem}.{node.name}"] = end - node.body[0].lineno + 1
    return sizes


def test_no_function_inside_a_register_passes_20_lines() -> None:
    sizes = register_helpers()
    assert "bot.slack.commands.fsync_command" in sizes and "bot.slack.home.on_refresh" in sizes
    too_long = {name: n for name, n in sizes.items() if n > MAX_LISTENER_LINES}
    assert not too_long, f"listener code over {MAX_LISTENER_LINES} lines: {too_long}"


def test_body_lines_counts_the_body_only() -> None:
    def three(x: int) -> int:
        y = x + 1
        # a comment inside counts
        return y

    assert body_lines(three) == 3
