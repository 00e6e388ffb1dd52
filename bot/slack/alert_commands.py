"""`/fsync subscribe | unsubscribe | subscriptions | mute | unmute`: the Slack side of routes
and mutes. Each handler asks the alerts service (bot/alerts/service.py: roles, audit, storage)
and says the result; subscribe first makes sure fsync can post in the channel (its test line is
the line said in the channel).
"""

from __future__ import annotations

import logging
from typing import assert_never

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.service import AlertsService
from bot.core.command import AlertCommand, Mute, Subscribe, Subscriptions, Unmute, Unsubscribe
from bot.slack import alert_notices
from bot.slack import alert_panels as panels
from bot.slack.request import Request

log = logging.getLogger(__name__)
INVITE = (
    "fsync is not a member of this channel and cannot join it by itself (a private channel?). "
    "Invite it with `/invite @fsync`, then run the subscribe command again."
)


def subscribe(alerts: AlertsService, cmd: Subscribe, req: Request) -> None:
    events = alerts.may_subscribe(req.user, req.channel, cmd.glob, cmd.events)
    problem = _can_post(req.client, req.channel)
    if problem is None:
        try:
            req.client.chat_postMessage(
                channel=req.channel, **alert_notices.test_line(cmd.glob, events, req.user)
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            problem = (
                INVITE
                if error in ("not_in_channel", "channel_not_found")
                else (f"Slack refused the test line (`{error}`), so nothing was changed.")
            )
    if problem is not None:
        alerts.subscribe_refused(req.user, req.channel, cmd.glob, cmd.events, problem)
    done = alerts.subscribe(req.user, req.channel, cmd.glob, cmd.events)
    req.answer(panels.subscribed(cmd.glob, done.events, done.existed, done.names, done.hint))


def _can_post(client: WebClient, channel_id: str) -> str | None:
    """None when fsync can post in the channel (joining it if public), else what to do."""
    try:
        # A form POST: what every Slack method accepts (and what the fake Slack serves).
        info = client.api_call("conversations.info", data={"channel": channel_id})["channel"] or {}
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error == "channel_not_found":
            return INVITE
        return f"Slack would not describe this channel (`{error}`), so nothing was changed."
    if info.get("is_archived"):
        return "This channel is archived: alerts cannot be posted here."
    if info.get("is_member") or info.get("is_im"):
        return None
    if info.get("is_private"):
        return INVITE
    try:
        client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        log.info("cannot join %s: %s", channel_id, exc.response.get("error"))
        return INVITE
    return None


def unsubscribe(alerts: AlertsService, cmd: Unsubscribe, req: Request) -> None:
    left = alerts.unsubscribe(req.user, req.channel, cmd.glob, cmd.events)
    req.answer_and_announce(
        panels.unsubscribed(cmd.glob, left),
        panels.unsubscribed_line(cmd.glob, cmd.events if left else (), req.user),
    )


def subscriptions(alerts: AlertsService, cmd: Subscriptions, req: Request) -> None:
    found = alerts.listing(req.user, req.channel)
    req.answer(
        panels.routes_message(
            found.routes, found.disabled, found.mutes, found.now, everywhere=found.everywhere
        )
    )


def mute(alerts: AlertsService, cmd: Mute, req: Request) -> None:
    done = alerts.mute(req.user, cmd.glob, cmd.seconds, cmd.reason)
    req.answer_and_announce(
        panels.muted(done.mute, done.matching, done.now, done.hint),
        panels.muted_line(done.mute, done.now),
    )


def unmute(alerts: AlertsService, cmd: Unmute, req: Request) -> None:
    alerts.unmute(req.user, cmd.glob)
    req.answer_and_announce(panels.unmuted(cmd.glob), panels.unmuted_line(cmd.glob, req.user))


def mute_labels(alerts: AlertsService) -> dict[str, str]:
    """Workspace name -> "for 2h (reason)", for the status overview."""
    found, now = alerts.mutes_by_workspace()
    return {name: panels.mute_label(m, now) for name, m in found.items()}


def home_blocks(alerts: AlertsService) -> list[dict]:
    """The App Home's alerts part: every route, the disabled channels and the active mutes."""
    found = alerts.listing()
    return panels.home_blocks(found.routes, found.disabled, found.mutes, found.now)


def run(alerts: AlertsService, cmd: AlertCommand, req: Request) -> None:
    """Answer an alert subcommand (commands.py offers them only when alerts are built)."""
    match cmd:
        case Subscribe():
            subscribe(alerts, cmd, req)
        case Unsubscribe():
            unsubscribe(alerts, cmd, req)
        case Subscriptions():
            subscriptions(alerts, cmd, req)
        case Mute():
            mute(alerts, cmd, req)
        case Unmute():
            unmute(alerts, cmd, req)
        case _:
            assert_never(cmd)
