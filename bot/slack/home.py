"""The App Home tab: the whole fleet at a glance, problems first, with their buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.core import words
from bot.core.authz import Policy, Role, RoleAction
from bot.core.fleet import FleetView, health, is_problem, ordered, tally
from bot.errors import SyncAPIError
from bot.firestartr.models import Conflict, Workspace
from bot.slack.blocks import (
    MAX_VIEW_BLOCKS,
    Block,
    actions,
    ago,
    button,
    clip,
    code,
    context,
    divider,
    esc,
    header,
    icon,
    section,
)
from bot.slack.conflict_views import diff_summary, resolution_buttons
from bot.slack.deps import Deps
from bot.slack.ids import Action, ActionValue
from bot.slack.people_views import notify_home_line
from bot.slack.reply import after_ack, guard
from bot.slack.views import freshness, tally_line, workspace_buttons

log = logging.getLogger(__name__)
MAX_PROBLEMS = 20
MAX_RESOLVABLE = 5  # conflicts whose resolution buttons the Home tab draws (block budget)


@dataclass(frozen=True)
class HomeData:
    """What the Home tab shows one person, gathered by `gather` and drawn by `home_view`."""

    view: FleetView | None  # None: the Sync API has not answered and nothing earlier is known
    now: datetime
    role: Role
    policy: Policy
    conflicts: list[Conflict] = field(default_factory=list)
    extras: list[Block] = field(default_factory=list)  # the alerts part: routes, mutes
    notify: bool | None = None  # this person's DMs when their syncs end; None: not offered

    @property
    def problems(self) -> list[Workspace]:
        """The workspaces that need someone, most urgent first."""
        if self.view is None:
            return []
        return [ws for ws in ordered(self.view.workspaces, self.now) if is_problem(ws, self.now)]


def gather(deps: Deps, user_id: str) -> HomeData:
    """Everything the tab shows `user_id`; a Sync API that does not answer shows as less data."""
    try:
        view = deps.service.fleet()
    except SyncAPIError:
        view = None
    conflicts: list[Conflict] = []
    if view is not None and view.live and any(ws.status == "conflict" for ws in view.workspaces):
        try:
            conflicts = deps.service.conflicts()
        except SyncAPIError:  # the Home tab still shows the fleet, without resolution buttons
            conflicts = []
    role = deps.service.role(user_id)
    notify = deps.requesters.wants_dms(user_id) if deps.requesters is not None else None
    extras = deps.home_extras()
    return HomeData(view, deps.clock(), role, deps.policy, conflicts, extras, notify)


def home_view(data: HomeData) -> dict[str, Any]:
    now, role, view = data.now, data.role, data.view
    blocks: list[Block] = [
        header("fsync: Terraform sync"),
        context(f"Your role: *{role.label}* · updated {ago(now, now)}"),
        actions(button("Refresh", Action.REFRESH_HOME, "{}")),
    ]
    if data.notify is not None:
        blocks.insert(2, notify_home_line(data.notify))
    if view is None:
        blocks.append(
            section(
                ":warning: The Sync API has not answered yet, and fsync has no "
                "earlier state to show. Try Refresh in a moment."
            )
        )
        return {"type": "home", "blocks": blocks}
    blocks += freshness(view, now)
    blocks.append(section(tally_line(tally(view.workspaces, now))))
    problems = data.problems
    blocks.append(divider())
    if not problems:
        blocks.append(section(":white_check_mark: Nothing needs attention."))
    blocks += _problem_blocks(data, problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        blocks.append(
            context(
                f"…and {words.plural(len(problems) - MAX_PROBLEMS, 'more problem')}: "
                "`/fsync status` lists them all."
            )
        )
    healthy = len(view.workspaces) - len(problems)
    others = words.plural(healthy, "other workspace")
    blocks.append(context(f"{others} {words.verb(healthy, 'is', 'are')} fine or busy."))
    blocks += data.extras
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def _problem_blocks(data: HomeData, problems: list[Workspace]) -> list[Block]:
    """Each problem with the buttons this person's role can use: the Home tab is theirs alone."""
    now, role, policy = data.now, data.role, data.policy
    by_workspace: dict[str, list[Conflict]] = {}
    for conflict in data.conflicts:
        by_workspace.setdefault(conflict.workspace or "", []).append(conflict)
    resolvable = MAX_RESOLVABLE
    blocks: list[Block] = []
    for ws in problems:
        state = health(ws, now)
        text = (
            f"{icon(state)} *{esc(ws.name)}* {esc(words.label(state))}"
            f" · last {ago(ws.last_sync, now)}"
        )
        if ws.message:
            text += f"\n{code(clip(ws.message, 200))}"
        blocks.append(section(text))
        if mine := workspace_buttons(ws, policy, ws.open_conflicts, role):
            blocks.append(actions(*mine))
        for conflict in by_workspace.get(ws.name, [])[:1]:
            buttons = resolution_buttons(conflict, policy) if resolvable else None
            if buttons is None:
                continue
            # The buttons decide between code and cloud: what differs is one click away, for
            # everyone (reading a diff needs no role); the buttons only for those who may.
            diff = button(
                "View diff", Action.VIEW_DIFF, ActionValue(conflict_id=conflict.id).encode()
            )
            blocks.append(section(diff_summary(conflict), accessory=diff))
            if role >= policy.needed_for(RoleAction.RESOLVE, ws.name):
                blocks.append(buttons)
            resolvable -= 1
    return blocks


def publish(deps: Deps, client: WebClient, user_id: str) -> None:
    client.views_publish(user_id=user_id, view=home_view(gather(deps, user_id)))


def register(app: App, deps: Deps) -> None:
    guarded = guard(deps.metrics)  # every listener counted in GET /metrics

    @app.event("app_home_opened")
    @guarded
    def on_home_opened(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("tab", "home") == "home":
            after_ack(context)  # Bolt acked it already
            publish(deps, client, event["user"])

    @app.action(Action.REFRESH_HOME)
    @guarded
    def on_refresh(ack: Any, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        after_ack(context)
        publish(deps, client, body["user"]["id"])
