"""`/fsync subscribe | unsubscribe | subscriptions | mute | unmute`: the Slack side of routes
and mutes. Each handler asks the alerts service (bot/alerts/service.py: roles, audit, storage)
and says the result; subscribe first makes sure fsync can post in the channel (its test line is
the line said in the channel).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.service import AlertsService
from bot.core.parser import Command
from bot.slack import alert_notices
from bot.slack import alert_panels as panels
from bot.slack.deps import Deps
from bot.slack.request import Request

log = logging.getLogger(__name__)
INVITE = (
    "fsync is not a member of this channel and cannot join it by itself (a private channel?). "
    "Invite it with `/invite @fsync`, then run the subscribe command again."
)


def _alerts(deps: Deps) -> AlertsService:
    assert deps.alerts is not None  # commands.py offers these only when alerts are built
    return deps.alerts


def subscribe(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None
    alerts = _alerts(deps)
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


def unsubscribe(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None
    left = _alerts(deps).unsubscribe(req.user, req.channel, cmd.glob, cmd.events)
    req.answer_and_announce(
        panels.unsubscribed(cmd.glob, left),
        panels.unsubscribed_line(cmd.glob, cmd.events if left else (), req.user),
    )


def subscriptions(deps: Deps, cmd: Command, req: Request) -> None:
    found = _alerts(deps).listing(req.user, req.channel)
    req.answer(
        panels.routes_message(
            found.routes, found.disabled, found.mutes, found.now, everywhere=found.everywhere
        )
    )


def mute(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None and cmd.seconds is not None
    done = _alerts(deps).mute(req.user, cmd.glob, cmd.seconds, cmd.reason)
    req.answer_and_announce(
        panels.muted(done.mute, done.matching, done.now, done.hint),
        panels.muted_line(done.mute, done.now),
    )


def unmute(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None
    _alerts(deps).unmute(req.user, cmd.glob)
    req.answer_and_announce(panels.unmuted(cmd.glob), panels.unmuted_line(cmd.glob, req.user))


def mute_labels(alerts: AlertsService) -> dict[str, str]:
    """Workspace name -> "for 2h (reason)", for the status overview."""
    found, now = alerts.mutes_by_workspace()
    return {name: panels.mute_label(m, now) for name, m in found.items()}


def home_blocks(alerts: AlertsService) -> list[dict]:
    """The App Home's alerts part: every route, the disabled channels and the active mutes."""
    found = alerts.listing()
    return panels.home_blocks(found.routes, found.disabled, found.mutes, found.now)


HANDLERS = {
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "subscriptions": subscriptions,
    "mute": mute,
    "unmute": unmute,
}
