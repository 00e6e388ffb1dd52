"""The fake Slack refuses what Slack refuses, the way Slack does, so such a message fails a test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack import reply
from tests.fakes import FakeSlack

TWINS = [  # two buttons with one action_id in one block: the old conflict card
    {
        "type": "actions",
        "block_id": "resolve:cfl_1",
        "elements": [
            {
                "type": "button",
                "action_id": "fsync_resolve",
                "text": {"type": "plain_text", "text": label},
                "value": label,
            }
            for label in ("Apply", "Abort")
        ],
    }
]
FINE = [
    {
        **TWINS[0],
        "elements": [
            {**e, "action_id": f"fsync_resolve:{e['value']}"} for e in TWINS[0]["elements"]
        ],
    }
]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(server: FakeSlack) -> FakeSlack:
    server.reset()
    return server


def web(slack: FakeSlack) -> WebClient:
    return WebClient(base_url=slack.api_url, token="xoxb-devslack-test")


@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral"])
def test_a_message_with_duplicate_action_ids_is_refused_with_invalid_blocks(
    slack: FakeSlack, method: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        getattr(web(slack), method)(channel="C1", user="U1", text="Conflict", blocks=TWINS)
    assert refused.value.response["error"] == "invalid_blocks"
    assert "fsync_resolve" in refused.value.response["errors"][0]
    assert "json-pointer:/blocks/0" in refused.value.response["errors"][0]
    assert len(slack.invalid) == 1
    getattr(web(slack), method)(channel="C1", user="U1", text="Conflict", blocks=FINE)
    assert len(slack.invalid) == 1


def test_an_update_that_breaks_a_rule_is_refused(slack: FakeSlack) -> None:
    posted = web(slack).chat_postMessage(channel="C1", text="Conflict", blocks=FINE)
    with pytest.raises(SlackApiError) as refused:
        web(slack).chat_update(channel="C1", ts=posted["ts"], text="Conflict", blocks=TWINS)
    assert refused.value.response["error"] == "invalid_blocks"
    assert slack.channel_messages("C1")[0]["blocks"] == FINE  # the card was not changed


def test_a_response_url_answers_400_invalid_blocks_in_plain_text(slack: FakeSlack) -> None:
    url = slack.response_url("dup")
    answer = WebhookClient(url).send_dict({"text": "Conflict", "blocks": TWINS})
    assert (answer.status_code, answer.body) == (400, "invalid_blocks")
    answer = WebhookClient(url).send_dict({"text": "Conflict", "blocks": FINE})
    assert (answer.status_code, answer.body) == (200, "ok")


@pytest.mark.parametrize(
    ("method", "view"),
    [
        ("views_publish", {"type": "home", "blocks": TWINS}),
        ("views_publish", {"type": "home", "blocks": [*FINE, *FINE]}),  # one block_id twice
        (
            "views_open",
            {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": FINE},
        ),
    ],
    ids=["duplicate action_id", "duplicate block_id", "modal title of 25"],
)
def test_a_view_that_breaks_a_rule_is_refused(
    slack: FakeSlack, method: str, view: dict[str, Any]
) -> None:
    with pytest.raises(SlackApiError) as refused:
        getattr(web(slack), method)(user_id="U1", trigger_id="t", view=view)
    assert refused.value.response["error"] == "invalid_blocks"


def test_a_message_without_a_text_fallback_is_refused(slack: FakeSlack) -> None:
    # slack_sdk warns about the missing text before sending; the fake must refuse it anyway.
    with pytest.raises(SlackApiError) as refused, pytest.warns(UserWarning, match="`text`"):
        web(slack).chat_postMessage(channel="C1", text="", blocks=FINE)
    assert refused.value.response["error"] == "invalid_blocks"


def test_fsync_logs_a_refused_response_url_without_the_url(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    url = slack.response_url("secret-path-123")
    body = {"response_url": url, "user": {"id": "U1"}}
    with caplog.at_level(logging.WARNING, logger="bot.slack.reply"):
        reply.ephemeral(body, web(slack), {"text": "Conflict", "blocks": TWINS})
    assert "HTTP 400 invalid_blocks" in caplog.text
    assert "secret-path-123" not in caplog.text
