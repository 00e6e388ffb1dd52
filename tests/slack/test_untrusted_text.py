"""Text from the API stays text: no hidden control character (bidi override, zero-width) reaches
Slack raw, and no backtick closes a code span or block early."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.alerts.model import Episode
from bot.core.fleet import FleetView
from bot.firestartr.models import Run
from bot.slack import alert_cards as cards
from bot.slack import blocks, run_views, views
from tests.slack.surfaces import NOW, POLICY, alert_card, conflict, home, ws

HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]")
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "prod<RLO>ved" displays as "proddev"
SPOOF = f"prod{RLO}ved\u200b"
ERROR = "Error: ```\n<!channel> a `tick` then ``` more \u2066hidden\u2069 & the rest"


def hostile_surfaces() -> dict[str, dict[str, Any]]:
    bad = ws(SPOOF, "failed", message=ERROR)
    found = conflict(SPOOF, summary=f"drift {RLO}in{RLO}", allowed_resolutions=["abort"])
    view = FleetView([bad], NOW, live=True)
    failing = Episode(f"ep_{SPOOF}", SPOOF, "failed", NOW, status="failed", message=ERROR)
    return {
        "status detail": views.workspace_detail(bad, view, [found], NOW, POLICY),
        "status overview": views.status_overview(view, NOW),
        "App Home": home([bad], [found]),
        "conflict card": views.conflicts_message([found], POLICY, SPOOF),
        "alert card": cards.episode_card(failing, POLICY),
        "alert conflict card": alert_card(found),
        "sync card": run_views.sync_card(
            SPOOF, "UOPER", Run(id="r1", status="failed", message=ERROR), NOW
        ),
    }


@pytest.mark.parametrize("surface", list(hostile_surfaces()))
def test_hidden_characters_from_the_api_are_shown_not_obeyed(surface: str) -> None:
    payload = hostile_surfaces()[surface]
    text = json.dumps(payload, ensure_ascii=False)
    assert not HIDDEN.search(text), f"a raw control character reached Slack: {surface}"
    assert "U+202E" in text  # visible instead, in the name or the summary
    assert "<!channel>" not in text


def code_blocks(payload: dict[str, Any]) -> list[str]:
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b]
    return [t for t in texts if "```" in t]


@pytest.mark.parametrize("surface", ["status detail", "alert card", "sync card"])
def test_an_error_with_backticks_stays_inside_its_code_block(surface: str) -> None:
    (block,) = code_blocks(hostile_surfaces()[surface])
    body = block[block.index("```") :]
    assert body.count("```") == 2 and body.startswith("```") and body.endswith("```")
    inside = body[3:-3]
    assert "`" not in inside and "Error: ˋˋˋ" in inside and "more" in inside


def test_the_app_home_error_stays_inside_its_code_span() -> None:
    tab = json.dumps(home([ws("dev", "failed", message=ERROR)], []), ensure_ascii=False)
    (span,) = re.findall(r"\\n`([^`]*)`", tab)
    assert "ˋtickˋ" in span and "ˋˋˋ more" in span


def test_plain_text_shows_hidden_characters_too() -> None:
    assert (
        blocks.header(f"Workspace {SPOOF}")["text"]["text"] == "Workspace prod<U+202E>ved<U+200B>"
    )
    button = blocks.button(f"Sync {RLO}", "a", "{}")
    assert button["text"]["text"] == "Sync <U+202E>"
    assert blocks.esc(SPOOF) == "prod&lt;U+202E&gt;ved&lt;U+200B&gt;"
    assert blocks.code(SPOOF) == "`prod&lt;U+202E&gt;ved&lt;U+200B&gt;`"


def test_a_long_error_is_clipped_inside_its_code_block() -> None:
    block = blocks.code_block("&" * 5000 + "```")
    assert len(block) <= 2800 and block.endswith("…```") and block.count("```") == 2
    assert not re.search(r"&(a|am|amp)?…", block)  # no escape cut in half
