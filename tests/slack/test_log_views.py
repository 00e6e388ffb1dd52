"""The run log modal as data: ANSI codes out, nothing in a log can ping or format, Slack's limits
kept whatever the log holds, the end of the log kept; links only where they are safe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.run_logs import Missing, RunLog
from bot.firestartr.models import Run, Workspace
from bot.slack import blockkit, log_views
from bot.slack.ids import Action, ActionValue
from bot.slack.run_links import fill, safe_url
from bot.slack.run_views import sync_card
from bot.slack.views import workspace_detail

FAILED = Run(id="run_7", workspace="prod-eu", status="failed", message="boom")
TERRAFORM = (
    "\x1b[0m\x1b[1maws_s3_bucket.logs: Refreshing state... [id=acme-logs]\x1b[0m\n"
    "\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mAccessDenied\x1b[0m\n"
)


def texts(view: dict) -> str:
    return "\n".join(
        b["text"]["text"] if b.get("text") else str(b.get("elements")) for b in view["blocks"]
    )


def test_clean_lines_removes_colours_and_controls_and_keeps_what_a_terminal_shows() -> None:
    text = TERRAFORM + "Still creating...\rCreation complete\n\x1b]0;title\x07tab\there\x07\n\n\n"
    assert log_views.clean_lines(text) == [
        "aws_s3_bucket.logs: Refreshing state... [id=acme-logs]",
        "│ Error: AccessDenied",
        "Creation complete",
        "tab here",
    ]


def test_a_failed_log_shows_its_last_lines_in_a_code_block() -> None:
    view = log_views.log_modal(RunLog("prod-eu", "run_7", FAILED, TERRAFORM))
    assert blockkit.view_problems(view) == []
    shown = texts(view)
    assert (
        "```aws_s3_bucket.logs: Refreshing state... [id=acme-logs]\n│ Error: AccessDenied```"
        in (shown)
    )
    assert "\x1b" not in shown and "*prod-eu*" in shown and "`run_7`" in shown


def test_nothing_in_a_log_pings_links_or_closes_the_code_block() -> None:
    evil = "<!channel> <@U123> <https://evil.example|click> ``` *bold* &amp; \u202e\n"
    (section,) = log_views.log_sections(log_views.clean_lines(evil))[0]
    body = section["text"]["text"]
    assert body.startswith("```") and body.endswith("```") and body.count("```") == 2
    assert "<" not in body and ">" not in body
    assert "&lt;!channel&gt;" in body and "&amp;amp;" in body and "&lt;U+202E&gt;" in body


def test_a_long_log_keeps_its_end_within_the_modal_limits() -> None:
    lines = [f"line {n}: " + "x" * 150 for n in range(5000)] + ["Error: the real reason"]
    view = log_views.log_modal(RunLog("w", "run_1", FAILED, "\n".join(lines)))
    assert blockkit.view_problems(view) == []
    assert len(view["blocks"]) <= 100
    assert "Error: the real reason```" in texts(view)
    assert "Earlier lines are not shown" in texts(view)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=6000), st.integers(min_value=1, max_value=40))
def test_any_log_text_gives_a_view_slack_accepts(text: str, sections: int) -> None:
    view = log_views.log_modal(RunLog("w", "run_1", None, text))
    assert blockkit.view_problems(view) == []
    blocks, _ = log_views.log_sections(log_views.clean_lines(text), max_sections=sections)
    assert len(blocks) <= sections
    for block in blocks:
        body = block["text"]["text"]
        assert len(body) <= 3000 and body.count("```") == 2
        assert "<" not in body and ">" not in body


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        (Missing.NO_LOGS, "Logs are not available from this Sync API."),
        (Missing.NO_RUN, "No run of this workspace is known"),
        (Missing.NOT_FOUND, "no longer knows this run"),
    ],
)
def test_a_missing_log_is_said_in_the_modal(missing: str, words: str) -> None:
    view = log_views.log_modal(RunLog("w", "run_1", missing=missing))
    assert blockkit.view_problems(view) == [] and words in texts(view)


def test_the_view_log_button_carries_the_run_and_workspace_under_short_keys() -> None:
    button = log_views.view_log_button("run_7", "prod-eu")
    assert button["action_id"] == Action.VIEW_LOG == "fsync_view_log"
    assert button["value"] == '{"w":"prod-eu","ru":"run_7"}'
    assert ActionValue.decode(button["value"]).run_id == "run_7"


def test_a_failed_run_card_has_view_log_and_a_succeeded_one_does_not() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    failed = sync_card("prod-eu", "U1", FAILED, now)
    assert blockkit.message_problems(failed) == []
    buttons = [e for b in failed["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["fsync_view_log"]
    ok = sync_card("prod-eu", "U1", FAILED.model_copy(update={"status": "succeeded"}), now)
    assert not [b for b in ok["blocks"] if b["type"] == "actions"]


def test_web_url_links_are_percent_encoded_and_the_apis_own_link_wins() -> None:
    template = "https://fs.example/workspaces/{workspace}/runs/{run}"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    odd = Run(id="run_7", status="failed")
    card = sync_card("a b&c", "U1", odd, now, web_url=template)
    facts = next(b for b in card["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert "<https://fs.example/workspaces/a%20b%26c/runs/run_7|Open in Firestartr>" in facts
    given = odd.model_copy(update={"url": "https://api.example/r/7?a=1&b=2"})
    facts = next(
        b
        for b in sync_card("w", "U1", given, now, web_url=template)["blocks"]
        if b["type"] == "context"
    )["elements"][0]["text"]
    assert "<https://api.example/r/7?a=1&amp;b=2|Open in Firestartr>" in facts
    assert "fs.example" not in facts


def test_untrusted_urls_cannot_break_out_of_a_link() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.example/a|<!channel>") == "https://x.example/a%7C%3C!channel%3E"
    assert fill("https://x/{workspace}/{run}", "w", None) is None  # no run: no half link
    assert fill("https://x/{workspace}", "../../admin", None) == "https://x/..%2F..%2Fadmin"


def test_a_failed_workspace_status_has_its_link_and_view_log() -> None:
    from bot.core.authz import Policy
    from bot.core.fleet import FleetView

    ws = Workspace(name="dev", status="failed", message="boom", last_run_id="run_9")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    fleet = FleetView([ws], fetched_at=now, live=True)
    detail = workspace_detail(
        ws, fleet, [], now, Policy(frozenset(), frozenset(), ()), web_url="https://fs/{workspace}"
    )
    assert blockkit.message_problems(detail) == []
    assert "<https://fs/dev|Open in Firestartr>" in str(detail["blocks"])
    values = [
        e["value"]
        for b in detail["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "fsync_view_log"
    ]
    assert values == ['{"w":"dev","ru":"run_9"}']
