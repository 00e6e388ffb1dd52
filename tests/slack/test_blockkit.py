"""bot.slack.blockkit: each of Slack's rules, with a payload that breaks it and one that passes."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import blockkit

Payload = dict[str, Any]


def plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text}


def md(text: str) -> Payload:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str = "a", text: str = "Go", **kw: Any) -> Payload:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": "v", **kw}


def actions(*elements: Payload, **kw: Any) -> Payload:
    return {"type": "actions", "elements": list(elements), **kw}


def section(text: str = "hi", **kw: Any) -> Payload:
    return {"type": "section", "text": md(text), **kw}


def msg(*blocks: Payload, text: str | None = "fallback") -> Payload:
    return {"text": text, "blocks": list(blocks)}


def confirm(
    title: str = "Sure?", text: str = "Really?", yes: str = "Yes", no: str = "No"
) -> Payload:
    return {"title": plain(title), "text": md(text), "confirm": plain(yes), "deny": plain(no)}


def modal(*blocks: Payload, title: Any = None, **kw: Any) -> Payload:
    return {"type": "modal", "title": title or plain("Edit"), "blocks": list(blocks), **kw}


def select(option_text: Any, value: str = "v") -> Payload:
    option = {"text": option_text, "value": value}
    return {
        "type": "input",
        "block_id": "pick",
        "label": plain("Pick"),
        "element": {"type": "static_select", "action_id": "pick", "options": [option]},
    }


# rule -> (a message Slack refuses, the closest message it accepts)
MESSAGES: dict[str, tuple[Payload, Payload]] = {
    "action_id unique within a block": (
        msg(actions(button("fsync_resolve"), button("fsync_resolve"))),
        msg(actions(button("fsync_resolve:abort"), button("fsync_resolve:ignore_once"))),
    ),
    "block_id unique within a message": (
        msg(section(block_id="b"), section(block_id="b")),
        msg(section(block_id="b"), section(block_id="c")),
    ),
    "at most 50 blocks in a message": (
        msg(*[section()] * 51),
        msg(*[section()] * 50),
    ),
    "at most 25 elements in an actions block": (
        msg(actions(*[button(f"a{n}") for n in range(26)])),
        msg(actions(*[button(f"a{n}") for n in range(25)])),
    ),
    "at most 10 elements in a context block": (
        msg({"type": "context", "elements": [md("x")] * 11}),
        msg({"type": "context", "elements": [md("x")] * 10}),
    ),
    "section text at most 3,000": (msg(section("x" * 3001)), msg(section("x" * 3000))),
    "section fields at most 10": (
        msg({"type": "section", "fields": [md("f")] * 11}),
        msg({"type": "section", "fields": [md("f")] * 10}),
    ),
    "section field at most 2,000": (
        msg({"type": "section", "fields": [md("f" * 2001)]}),
        msg({"type": "section", "fields": [md("f" * 2000)]}),
    ),
    "header at most 150": (
        msg({"type": "header", "text": plain("h" * 151)}),
        msg({"type": "header", "text": plain("h" * 150)}),
    ),
    "header is plain_text": (
        msg({"type": "header", "text": md("*h*")}),
        msg({"type": "header", "text": plain("h")}),
    ),
    "button text at most 75": (
        msg(actions(button(text="b" * 76))),
        msg(actions(button(text="b" * 75))),
    ),
    "button text is plain_text": (
        msg(actions({**button(), "text": md("*Go*")})),
        msg(actions(button())),
    ),
    "button value at most 2,000": (
        msg(actions({**button(), "value": "v" * 2001})),
        msg(actions({**button(), "value": "v" * 2000})),
    ),
    "action_id at most 255": (msg(actions(button("a" * 256))), msg(actions(button("a" * 255)))),
    "block_id at most 255": (msg(section(block_id="b" * 256)), msg(section(block_id="b" * 255))),
    "confirm title at most 100": (
        msg(actions(button(confirm=confirm(title="t" * 101)))),
        msg(actions(button(confirm=confirm(title="t" * 100)))),
    ),
    "confirm text at most 300": (
        msg(actions(button(confirm=confirm(text="t" * 301)))),
        msg(actions(button(confirm=confirm(text="t" * 300)))),
    ),
    "confirm button at most 30": (
        msg(actions(button(confirm=confirm(yes="y" * 31)))),
        msg(actions(button(confirm=confirm(yes="y" * 30)))),
    ),
    "confirm deny at most 30": (
        msg(actions(button(confirm=confirm(no="n" * 31)))),
        msg(actions(button(confirm=confirm(no="n" * 30)))),
    ),
    "confirm title is plain_text": (
        msg(actions(button(confirm={**confirm(), "title": md("*Sure?*")}))),
        msg(actions(button(confirm=confirm()))),
    ),
    "confirm buttons are plain_text": (
        msg(actions(button(confirm={**confirm(), "confirm": md("Yes"), "deny": md("No")}))),
        msg(actions(button(confirm=confirm()))),
    ),
    "text fallback with blocks": (msg(section(), text=None), msg(section(), text="fallback")),
    "text is not empty": (msg(section("")), msg(section("."))),
    "known block types only": (msg({"type": "banner", "text": md("x")}), msg(section())),
}


@pytest.mark.parametrize("rule", MESSAGES)
def test_each_message_rule_refuses_the_breaking_payload_and_accepts_the_other(rule: str) -> None:
    refused, accepted = MESSAGES[rule]
    assert blockkit.message_problems(refused), f"{rule}: should be refused"
    assert blockkit.message_problems(accepted) == [], f"{rule}: should be accepted"
    with pytest.raises(blockkit.InvalidBlocks):
        blockkit.check_message(refused)
    blockkit.check_message(accepted)


VIEWS: dict[str, tuple[Payload, Payload]] = {
    "at most 100 blocks in a modal": (modal(*[section()] * 101), modal(*[section()] * 100)),
    "at most 100 blocks in the Home tab": (
        {"type": "home", "blocks": [section()] * 101},
        {"type": "home", "blocks": [section()] * 100},
    ),
    "block_id unique within a view": (
        {"type": "home", "blocks": [section(block_id="x"), section(block_id="x")]},
        {"type": "home", "blocks": [section(block_id="x"), section(block_id="y")]},
    ),
    "action_id unique within a block of a view": (
        {"type": "home", "blocks": [actions(button("r"), button("r"))]},
        {"type": "home", "blocks": [actions(button("r"), button("s"))]},
    ),
    "modal title at most 24": (
        modal(section(), title=plain("t" * 25)),
        modal(section(), title=plain("t" * 24)),
    ),
    "modal title is plain_text": (modal(section(), title=md("*t*")), modal(section())),
    "modal submit at most 24": (
        modal(section(), submit=plain("s" * 25)),
        modal(section(), submit=plain("s" * 24)),
    ),
    "modal close at most 24": (
        modal(section(), close=plain("c" * 25)),
        modal(section(), close=plain("c" * 24)),
    ),
    "modal submit is plain_text": (
        modal(section(), submit=md("Save")),
        modal(section(), submit=plain("Save")),
    ),
    "a modal with inputs has submit": (
        modal(select(plain("On"))),
        modal(select(plain("On")), submit=plain("Save")),
    ),
    "option text at most 75": (
        modal(select(plain("o" * 76)), submit=plain("Save")),
        modal(select(plain("o" * 75)), submit=plain("Save")),
    ),
    "option text in a select is plain_text": (
        modal(select(md("*On*")), submit=plain("Save")),
        modal(select(plain("On")), submit=plain("Save")),
    ),
}


@pytest.mark.parametrize("rule", VIEWS)
def test_each_view_rule_refuses_the_breaking_view_and_accepts_the_other(rule: str) -> None:
    refused, accepted = VIEWS[rule]
    assert blockkit.view_problems(refused), f"{rule}: should be refused"
    assert blockkit.view_problems(accepted) == [], f"{rule}: should be accepted"
    with pytest.raises(blockkit.InvalidBlocks):
        blockkit.check_view(refused)


def test_a_problem_says_where_as_slack_does() -> None:
    (problem,) = blockkit.message_problems(msg(section(), actions(button("x"), button("x"))))
    assert problem.where == "/blocks/1" and "'x'" in problem.rule
    assert str(problem).endswith("[json-pointer:/blocks/1]")


@pytest.mark.parametrize("junk", ["blocks", [None], [{"type": "section"}], [{"text": 1}]])
def test_junk_is_refused_without_crashing(junk: Any) -> None:
    assert blockkit.message_problems({"text": "t", "blocks": junk})


def two_buttons_one_id() -> dict[str, Any]:
    button = {"type": "button", "action_id": "same", "text": {"type": "plain_text", "text": "x"}}
    return {"type": "actions", "elements": [button, {**button, "value": "2"}]}


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ({"text": "ok", "blocks": [two_buttons_one_id()]}, True),  # invalid_command_response
        ({"response_type": "ephemeral", "text": "fine"}, False),
        ({"response_action": "errors", "errors": {"b": "Choose On or Off."}}, False),
        ({"response_action": "update"}, True),
        (
            {
                "response_action": "update",
                "view": {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}},
            },
            True,
        ),
        ({"response_action": "clear"}, False),
        ("", False),
        (None, False),
    ],
)
def test_the_answer_to_a_request_is_checked_as_slack_checks_it(answer: Any, refused: bool) -> None:
    assert bool(blockkit.ack_problems(answer)) is refused
