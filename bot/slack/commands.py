"""The `/fsync` slash command: ack at once, parse, call the service, answer with a view."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.parser import Command, parse
from bot.errors import UsageError
from bot.slack import alert_commands, config_views, reply, views
from bot.slack.deps import Deps
from bot.slack.reply import after_ack
from bot.slack.request import Request
from bot.slack.starting import start_sync

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


def config(deps: Deps, cmd: Command, req: Request) -> None:
    if not cmd.changes:
        if cmd.workspace:
            req.answer(config_views.workspace_config(*deps.service.workspace_config(cmd.workspace)))
            return
        req.answer(config_views.config_overview(deps.service.config()))
        return
    change = deps.service.change_config(req.user, cmd.workspace, cmd.changes)
    answer = config_views.config_changed(change, req.user)
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


def handler_for(deps: Deps, name: str) -> Handler | None:
    """The handler of subcommand `name`; the alert subcommands only when alerts are wired in."""
    handler = HANDLERS.get(name)
    if handler is None and deps.alerts is not None:
        handler = alert_commands.HANDLERS.get(name)
    return handler


def register(app: App, deps: Deps) -> None:
    guarded = reply.guard(deps.metrics)  # every listener counted in GET /metrics

    @app.command("/fsync")
    @guarded
    def fsync_command(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> str | None:
        try:
            cmd = parse(body.get("text", ""))
        except UsageError as exc:
            ack(response_type="ephemeral", **views.error_message(exc))
            return "refused"
        if cmd.name == "help":
            ack(response_type="ephemeral", **views.help_message())
            return None
        handler = handler_for(deps, cmd.name)
        if handler is None:
            not_yet = UsageError(f"`{cmd.name}` is not available yet.")
            ack(response_type="ephemeral", **views.error_message(not_yet))
            return "refused"
        ack()
        after_ack(context)
        handler(deps, cmd, Request(body, respond, client))
        return None
