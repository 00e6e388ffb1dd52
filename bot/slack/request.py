"""`Request`: who typed a command, where, and how to answer them: what every handler needs."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack import reply, views
from bot.slack.posting import Posted, post_once


class Request:
    """Who asked, where, and how to answer: what every command handler needs from Slack."""

    def __init__(self, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        self.body, self.respond, self.client = body, respond, client
        self.user: str = body.get("user_id", "")
        self.channel: str = body.get("channel_id", "")

    def answer(self, payload: dict[str, Any]) -> None:
        answer = self.respond(**payload, response_type="ephemeral")
        reply.accepted(answer.status_code, answer.body)

    def announce(self, payload: dict[str, Any]) -> Posted:
        """Say `payload` in the channel the command was typed in, for everyone there."""
        return post_once(self.client, self.channel, payload)

    def answer_and_announce(self, payload: dict[str, Any], line: dict[str, Any]) -> None:
        """Answer the person, and say `line` in the channel; the answer tells them when the
        channel could not be told."""
        posted = self.announce(line)
        self.answer(views.not_said(payload, posted.state, posted.error))
