"""Block Kit checks for tests: what Slack would refuse."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block


def assert_valid(payload: dict[str, Any]) -> None:
    """A chat message Slack accepts: a text fallback, at most 50 valid blocks within limits."""
    assert payload.get("text"), "no text fallback"
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    for block in Block.parse_all(blocks):
        assert block is not None
        block.validate_json()
    for raw in blocks:
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000


def shown(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)
