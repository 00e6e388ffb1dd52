"""Block Kit checks for tests: what Slack would refuse, by the rules fsync and its fake Slack use
(`bot.slack.blockkit`, slack_sdk's validation included)."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import blockkit


def assert_valid(payload: dict[str, Any]) -> None:
    """A chat message Slack accepts: a text fallback, 1 to 50 blocks, every rule of Block Kit."""
    assert payload.get("blocks"), "no blocks"
    problems = blockkit.message_problems(payload)
    assert not problems, "Slack would answer invalid_blocks:\n" + "\n".join(map(str, problems))


def assert_valid_view(view: dict[str, Any], kind: str | None = None) -> None:
    """A modal or Home tab view Slack accepts (`kind` checks its type too)."""
    if kind is not None:
        assert view.get("type") == kind
    problems = blockkit.view_problems(view)
    assert not problems, "Slack would answer invalid_blocks:\n" + "\n".join(map(str, problems))


def shown(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)
