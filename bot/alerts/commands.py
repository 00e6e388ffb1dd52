"""`/fsync subscribe | unsubscribe | subscriptions | mute | unmute`: routes and mutes.

Handlers have the slash command's signature `handler(deps, cmd, req)`. Changes need the operator
role, and a mute that reaches a protected workspace or the whole fleet the admin role (checked,
and refusals audited, by the service layer); they are audited and said in the channel in one
line (subscribe's test line is that line); listing is for all.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from fnmatch import fnmatchcase

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts import cards, panels, repo
from bot.alerts.model import Mute
from bot.core.authz import Role
from bot.core.parser import EVENT_TYPES, Command
from bot.errors import UsageError
from bot.firestartr.names import did_you_mean
from bot.runtime import Deps
from bot.slack.commands import Request

log = logging.getLogger(__name__)
INVITE = (
    "fsync is not a member of this channel and cannot join it by itself (a private channel?). "
    "Invite it with `/invite @fsync`, then run the subscribe command again."
)


def subscribe(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None
    args = {"channel": req.channel, "glob": cmd.glob, "events": list(cmd.events)}
    deps.service.require(req.user, "subscribe", args=args)
    # Subscribing again adds event kinds to the route; the test line says what it will carry.
    events = repo.widened(repo.route_events(deps.store.db, req.channel, cmd.glob), cmd.events)
    problem = _can_post(req.client, req.channel)
    if problem is None:
        try:
            req.client.chat_postMessage(
                channel=req.channel, **cards.test_line(cmd.glob, events, req.user)
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            problem = (
                INVITE
                if error in ("not_in_channel", "channel_not_found")
                else (f"Slack refused the test line (`{error}`), so nothing was changed.")
            )
    if problem is not None:
        _audit(deps, req, "subscribe", args, "error", problem)
        raise UsageError(problem)
    with deps.store.transaction() as db:
        existed = repo.route_events(db, req.channel, cmd.glob) is not None
        events = repo.add_route(db, req.channel, cmd.glob, cmd.events, req.user)
    _audit(deps, req, "subscribe", args, "ok")
    names, hint = _covered(deps, cmd.glob)
    req.answer(panels.subscribed(cmd.glob, events, existed, names, hint))


def _covered(deps: Deps, glob: str) -> tuple[list[str], str]:
    """Today's workspaces `glob` covers, and a "did you mean" when it covers none."""
    fleet = deps.service.fleet_names()
    names = [name for name in fleet if fnmatchcase(name, glob)]
    return names, "" if names else did_you_mean(glob, fleet)


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
    args = {"channel": req.channel, "glob": cmd.glob, "events": list(cmd.events)}
    deps.service.require(req.user, "unsubscribe", args=args)
    with deps.store.transaction() as db:
        left = repo.remove_route(db, req.channel, cmd.glob, cmd.events, EVENT_TYPES)
    if left is None:
        which = f" with {', '.join(cmd.events)} alerts" if cmd.events else ""
        raise UsageError(
            f"This channel has no subscription for `{cmd.glob}`{which}. "
            "`/fsync subscriptions` lists the ones it has."
        )
    _audit(deps, req, "unsubscribe", args, "ok")
    req.answer_and_announce(
        panels.unsubscribed(cmd.glob, left),
        panels.unsubscribed_line(cmd.glob, cmd.events if left else (), req.user),
    )


def subscriptions(deps: Deps, cmd: Command, req: Request) -> None:
    everywhere = deps.service.role(req.user) is Role.ADMIN
    db = deps.store.db
    now = deps.clock()
    routes = repo.routes(db, deps.settings.alert_channel)
    if not everywhere:
        routes = [r for r in routes if r.channel == req.channel]
    active = [m for m in repo.mutes(db) if m.until > now]
    disabled = repo.disabled_channels(db)
    req.answer(panels.routes_message(routes, disabled, active, now, everywhere=everywhere))


def mute(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None and cmd.seconds is not None
    args = {"glob": cmd.glob, "seconds": cmd.seconds, "reason": cmd.reason}
    fleet = deps.service.fleet_names()
    deps.service.require(req.user, "mute", cmd.glob, args, fleet=fleet)
    now = deps.clock()
    until = now + timedelta(seconds=cmd.seconds)
    with deps.store.transaction() as db:
        repo.add_mute(db, cmd.glob, until, cmd.reason, req.user)
    _audit(deps, req, "mute", args, "ok")
    matching = [name for name in fleet if fnmatchcase(name, cmd.glob)]
    hint = "" if matching else did_you_mean(cmd.glob, fleet)
    muted = Mute(cmd.glob, until, cmd.reason, req.user)
    req.answer_and_announce(panels.muted(muted, matching, now, hint), panels.muted_line(muted, now))


def unmute(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.glob is not None
    fleet = deps.service.fleet_names()
    deps.service.require(req.user, "unmute", cmd.glob, {"glob": cmd.glob}, fleet=fleet)
    now = deps.clock()
    with deps.store.transaction() as db:
        ended = repo.end_mute(db, cmd.glob, now)
    if not ended:
        active = [f"`{m.glob}`" for m in repo.mutes(deps.store.db) if m.until > now]
        known = f" Active mutes: {', '.join(active)}." if active else " Nothing is muted."
        raise UsageError(f"There is no active mute on `{cmd.glob}`.{known}")
    _audit(deps, req, "unmute", {"glob": cmd.glob}, "ok")
    req.answer_and_announce(panels.unmuted(cmd.glob), panels.unmuted_line(cmd.glob, req.user))


def _audit(
    deps: Deps, req: Request, action: str, args: dict, outcome: str, detail: str = ""
) -> None:
    deps.store.audit(
        user_id=req.user, action=action, workspace=None, args=args, outcome=outcome, detail=detail
    )


HANDLERS = {
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "subscriptions": subscriptions,
    "mute": mute,
    "unmute": unmute,
}
