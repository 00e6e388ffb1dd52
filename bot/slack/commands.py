"""The `/fsync` slash command: ack at once, parse, call the service, answer with a view."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.parser import Command, parse
from bot.errors import UsageError
from bot.slack import alert_commands, reply, views
from bot.slack.deps import Deps
from bot.slack.followers import Followed
from bot.slack.posting import Posted, post_once
from bot.slack.reply import after_ack, guarded
from bot.slack.request import Request

log = logging.getLogger(__name__)
Handler = Callable[[Deps, Command, Request], None]


def status(deps: Deps, cmd: Command, req: Request) -> None:
    now = deps.clock()
    if cmd.workspace:
        ws, fleet, conflicts = deps.service.workspace(cmd.workspace)
        role = deps.service.role(req.user)
        req.answer(views.workspace_detail(ws, fleet, conflicts, now, deps.policy, role))
        return
    req.answer(views.status_overview(deps.service.fleet(), now, mutes=deps.mutes_by_workspace()))


def sync(deps: Deps, cmd: Command, req: Request) -> None:
    assert cmd.workspace is not None
    start_sync(
        deps,
        req.client,
        req.user,
        cmd.workspace,
        channel=req.channel,
        response_url=req.body.get("response_url"),
        confirmed=False,
    )


def start_sync(
    deps: Deps,
    client: WebClient,
    user: str,
    workspace: str,
    *,
    channel: str | None,
    response_url: str | None,
    confirmed: bool,
    thread_ts: str | None = None,
) -> Posted | None:
    """Trigger the sync, then post its card in the channel (in `thread_ts`'s thread, when the
    request came from a message there), or via response_url, and follow it."""
    run = deps.service.sync(user, workspace, confirmed=confirmed)
    card = views.sync_card(workspace, user, run, deps.clock())
    item = Followed(workspace=workspace, requested_by=user, run=run) if run else None
    where = {"thread_ts": thread_ts} if thread_ts else {}
    posted = post_once(client, channel, {**card, **where}) if channel else None
    if posted is not None and posted.state == "refused":
        log.info("cannot post the sync card in %s (%s); answering in place", channel, posted.error)
    if posted is not None and posted.ts:
        if item:
            item.channel, item.ts = posted.channel, posted.ts
    elif response_url:
        # The card may be in the channel after all: a second copy goes to the requester only.
        kind = "ephemeral" if posted is not None and posted.state == "unknown" else "in_channel"
        reply.to_response_url(response_url, {**card, "response_type": kind})
        if item:
            item.response_url = response_url
    if item:
        deps.follower.follow(item)
    return posted


def config(deps: Deps, cmd: Command, req: Request) -> None:
    if not cmd.changes:
        if cmd.workspace:
            req.answer(views.workspace_config(*deps.service.workspace_config(cmd.workspace)))
            return
        req.answer(views.config_overview(deps.service.config()))
        return
    change = deps.service.change_config(req.user, cmd.workspace, cmd.changes)
    answer = views.config_changed(change, req.user)
    if change.before == change.after:
        req.answer(answer)  # nothing changed: nothing for the channel to know
        return
    req.answer_and_announce(
        answer, views.config_line(change.workspace, change.before, change.after, req.user)
    )


def conflicts(deps: Deps, cmd: Command, req: Request) -> None:
    found = deps.service.conflicts(cmd.workspace)
    listing = views.conflicts_message(found, deps.policy, cmd.workspace)
    req.answer(views.for_role(listing, deps.policy, deps.service.role(req.user)))


def audit(deps: Deps, cmd: Command, req: Request) -> None:
    entries = deps.service.audit(cmd.workspace)
    req.answer(views.audit_message(entries, cmd.workspace, deps.clock()))


HANDLERS: dict[str, Handler] = {
    "status": status,
    "sync": sync,
    "config": config,
    "conflicts": conflicts,
    "audit": audit,
}


def register(app: App, deps: Deps) -> None:
    @app.command("/fsync")
    @guarded
    def fsync_command(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        try:
            cmd = parse(body.get("text", ""))
        except UsageError as exc:
            ack(response_type="ephemeral", **views.error_message(exc))
            return
        if cmd.name == "help":
            ack(response_type="ephemeral", **views.help_message())
            return
        handler = HANDLERS.get(cmd.name)
        if handler is None and deps.alerts is not None:
            handler = alert_commands.HANDLERS.get(cmd.name)
        if handler is None:
            ack(
                response_type="ephemeral",
                **views.error_message(UsageError(f"`{cmd.name}` is not available yet.")),
            )
            return
        ack()
        after_ack(context)
        handler(deps, cmd, Request(body, respond, client))
