"""The `/fsync` slash command: ack at once, parse, call the service, answer with a view."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, assert_never

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.alerts.history import HistoryService
from bot.core.command import (
    Audit,
    ChangeConfig,
    Command,
    Conflicts,
    DigestOff,
    Help,
    History,
    Mute,
    Notify,
    Owners,
    SetDigest,
    SetOwners,
    ShowConfig,
    ShowDigest,
    ShowReport,
    Status,
    Subscribe,
    Subscriptions,
    Sync,
    Unmute,
    Unsubscribe,
)
from bot.core.parser import parse
from bot.errors import UsageError
from bot.slack import (
    alert_commands,
    config_views,
    history_view,
    people_commands,
    reply,
    report_commands,
    views,
)
from bot.slack.deps import Deps
from bot.slack.reply import after_ack
from bot.slack.request import Request
from bot.slack.starting import start_sync

log = logging.getLogger(__name__)


def status(deps: Deps, cmd: Status, req: Request) -> None:
    now = deps.clock()
    if cmd.workspace:
        ws, fleet, conflicts = deps.service.workspace(cmd.workspace)
        role = deps.service.role(req.user)
        web_url = deps.settings.web_url
        req.answer(views.workspace_detail(ws, fleet, conflicts, now, deps.policy, role, web_url))
        return
    req.answer(views.status_overview(deps.service.fleet(), now, mutes=deps.mutes_by_workspace()))


def sync(deps: Deps, cmd: Sync, req: Request) -> None:
    start_sync(
        deps,
        req.client,
        req.user,
        cmd.workspace,
        channel=req.channel,
        response_url=req.body.get("response_url"),
        confirmed=False,
    )


def show_config(deps: Deps, cmd: ShowConfig, req: Request) -> None:
    if cmd.workspace:
        req.answer(config_views.workspace_config(*deps.service.workspace_config(cmd.workspace)))
        return
    req.answer(config_views.config_overview(deps.service.config()))


def change_config(deps: Deps, cmd: ChangeConfig, req: Request) -> None:
    change = deps.service.change_config(req.user, cmd.workspace, cmd.changes)
    answer = config_views.config_changed(change, req.user)
    if change.before == change.after:
        req.answer(answer)  # nothing changed: nothing for the channel to know
        return
    req.answer_and_announce(
        answer, views.config_line(change.workspace, change.before, change.after, req.user)
    )


def conflicts(deps: Deps, cmd: Conflicts, req: Request) -> None:
    found = deps.service.conflicts(cmd.workspace)
    listing = views.conflicts_message(found, deps.policy, cmd.workspace)
    req.answer(views.for_role(listing, deps.policy, deps.service.role(req.user)))


def audit(deps: Deps, cmd: Audit, req: Request) -> None:
    entries = deps.service.audit(cmd.workspace)
    req.answer(views.audit_message(entries, cmd.workspace, deps.clock()))


def history(service: HistoryService, cmd: History, req: Request) -> None:
    req.answer(history_view.history_message(service.history(cmd.workspace, cmd.days)))


def _help(req: Request) -> None:
    req.answer(views.help_message())


def handler(deps: Deps, cmd: Command) -> Callable[[Request], None] | None:
    """What answers `cmd`; None when this fsync offers no such command (built without alerts).
    mypy checks that every subcommand has its case."""
    match cmd:
        case Help():
            return _help
        case Status():
            return partial(status, deps, cmd)
        case Sync():
            return partial(sync, deps, cmd)
        case ShowConfig():
            return partial(show_config, deps, cmd)
        case ChangeConfig():
            return partial(change_config, deps, cmd)
        case Conflicts():
            return partial(conflicts, deps, cmd)
        case Audit():
            return partial(audit, deps, cmd)
        case History():
            return None if deps.history is None else partial(history, deps.history, cmd)
        case Subscribe() | Unsubscribe() | Subscriptions() | Mute() | Unmute():
            return None if deps.alerts is None else partial(alert_commands.run, deps.alerts, cmd)
        case Owners():
            return (
                None if deps.owners is None else partial(people_commands.owners, deps.owners, cmd)
            )
        case SetOwners():
            if deps.owners is None:
                return None
            return partial(people_commands.set_owners, deps.owners, cmd)
        case Notify():
            if deps.requesters is None:
                return None
            return partial(people_commands.notify, deps.requesters, cmd)
        case ShowReport() | ShowDigest() | SetDigest() | DigestOff():  # issue 15
            if deps.digests is None:
                return None
            return partial(report_commands.run, deps.digests, cmd)
        case _:
            assert_never(cmd)


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
        if isinstance(cmd, Help):
            ack(response_type="ephemeral", **views.help_message())
            return None
        answer = handler(deps, cmd)
        if answer is None:
            not_yet = UsageError(f"`{cmd.name}` is not available yet.")
            ack(response_type="ephemeral", **views.error_message(not_yet))
            return "refused"
        ack()
        after_ack(context)
        answer(Request(body, respond, client))
        return None
