"""The Approve / Discard buttons of a plan that waits for a yes ([ASSUMED]).

Every click is re-checked by the service (role, protected workspace, four-eyes, too late); the
clicked card is then redrawn from the run as the Sync API has it, and followed to its end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import words
from bot.core.authz import RoleAction
from bot.errors import RunNotAwaitingApproval, StaleAction, SyncAPIError
from bot.firestartr.models import Run
from bot.slack import reply, run_views
from bot.slack.approval_views import decision
from bot.slack.blocks import esc, section
from bot.slack.deps import Deps
from bot.slack.followers import Followed
from bot.slack.ids import Action, ActionValue
from bot.slack.ids import Block as BlockId
from bot.slack.posting import post_once

log = logging.getLogger(__name__)
BUTTONS = (
    (Action.APPROVE, RoleAction.APPROVE, False),
    (Action.APPROVE_CONFIRMED, RoleAction.APPROVE, True),
    (Action.DISCARD, RoleAction.DISCARD, False),
    (Action.DISCARD_CONFIRMED, RoleAction.DISCARD, True),
)


def run_id_of(body: dict[str, Any]) -> str:
    value = ActionValue.decode((body.get("actions") or [{}])[0].get("value"))
    if not value.run_id:
        raise StaleAction("That button is out of date. Run `/fsync sync` again.")
    return value.run_id


def show_run(deps: Deps, body: dict[str, Any], client: WebClient, run: Run) -> None:
    """The clicked card redrawn from `run`, then followed while the run goes on. On an alert
    card the buttons give way to who decided, and the run's card follows in its thread."""
    workspace, requested_by = run.workspace or "?", run.requested_by or ""
    card = run_views.sync_card(
        workspace,
        requested_by,
        run,
        deps.clock(),
        web_url=deps.settings.web_url,
        protected=deps.policy.is_protected(workspace),
    )
    container = body.get("container") or {}
    item = Followed(workspace=workspace, requested_by=requested_by, run=run)
    message = body.get("message") or {}
    if any(b.get("block_id") == BlockId.HEADLINE for b in message.get("blocks") or []):
        item.channel, item.ts = in_thread(body, client, run, card)
    elif container.get("message_ts") and not container.get("is_ephemeral"):
        reply.replace(body, client, card)
        item.channel, item.ts = container.get("channel_id"), container["message_ts"]
    else:
        reply.replace(body, client, card)
        item.response_url = reply.response_url_of(body)
    deps.follower.follow(item)


def in_thread(
    body: dict[str, Any], client: WebClient, run: Run, card: dict[str, Any]
) -> tuple[str | None, str | None]:
    """An alert card clicked: its buttons become who decided; the run's card goes in its
    thread. Returns where that card is (None, None when it could not be posted)."""
    message = body.get("message") or {}
    said = section(decision(run) or f"{esc(words.label(run.status))}")
    blocks = [said if b.get("block_id") == BlockId.APPROVAL else b for b in message["blocks"]]
    reply.replace(body, client, {"text": message.get("text") or "Plan decided", "blocks": blocks})
    channel = (body.get("container") or {}).get("channel_id")
    thread = message.get("thread_ts") or message.get("ts")
    if not channel:
        return None, None
    posted = post_once(client, channel, {**card, **({"thread_ts": thread} if thread else {})})
    return posted.channel, posted.ts


def catch_up(deps: Deps, body: dict[str, Any], client: WebClient, run_id: str) -> None:
    """A card clicked too late shows what became of its run (best effort)."""
    try:
        show_run(deps, body, client, deps.service.run(run_id))
    except SyncAPIError as exc:
        log.info("could not redraw the card of run %s: %s", run_id, exc.user_message)


def register(app: App, deps: Deps) -> None:
    guarded = reply.guard(deps.metrics)  # every listener counted in GET /metrics

    def decide(
        ack: Ack, body: dict[str, Any], client: WebClient, what: RoleAction, yes: bool
    ) -> None:
        ack()
        run_id = run_id_of(body)
        user = (body.get("user") or {}).get("id", "")
        try:
            run = deps.service.decide(user, run_id, what, confirmed=yes)
        except RunNotAwaitingApproval:
            catch_up(deps, body, client, run_id)  # then the clicker is told why
            raise
        show_run(deps, body, client, run)

    def listener(what: RoleAction, confirmed: bool) -> Callable[..., None]:
        def on_decision(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            decide(ack, body, client, what, confirmed)

        return on_decision

    for action_id, what, confirmed in BUTTONS:
        app.action(action_id)(guarded(listener(what, confirmed)))
