"""Every answer fsync gives to a request is checked as Slack checks it.

Slack refuses a slash command's reply that breaks Block Kit (`invalid_command_response`) and a
view_submission answer with a bad view; the fake Slack only sees what fsync sends it, so the test
edges that read an answer (HTTP, App.dispatch, Socket Mode acks) check it here.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.slack.blockkit import ack_problems
from tests.support import slackreq

FORM = "application/x-www-form-urlencoded"


def assert_slack_accepts(body: bytes | str | dict[str, Any] | None) -> None:
    if isinstance(body, bytes | str):
        text = body.decode(errors="replace") if isinstance(body, bytes) else body
        if not text.lstrip().startswith("{"):
            return  # an empty ack, or plain text: nothing Block Kit about it
        try:
            body = json.loads(text)
        except ValueError:
            return
    problems = ack_problems(body)
    assert not problems, "Slack would refuse this answer: " + "; ".join(map(str, problems))


def dispatch_signed(app: App, body: str, headers: dict[str, str] | None = None) -> BoltResponse:
    """`app.dispatch` of a signed request, as Slack sends it; Slack must accept its answer."""
    content_type = "application/json" if body.lstrip().startswith("{") else FORM
    signed = headers or {**slackreq.sign(body), "Content-Type": content_type}
    answer = app.dispatch(BoltRequest(body=body, headers=signed))
    assert_slack_accepts(answer.body)
    return answer
