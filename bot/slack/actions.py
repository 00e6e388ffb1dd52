"""Button clicks. Every click is re-checked against the clicker's role by the service layer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.authz import RoleAction
from bot.errors import AlreadyResolved, InvalidChanges, StaleAction, UsageError
from bot.firestartr.models import Conflict, ResolveResult
from bot.firestartr.names import validate_name
from bot.slack import config_views, home, log_actions, modals, reply, views
from bot.slack.blocks import context, section
from bot.slack.deps import Deps
from bot.slack.followers import Followed
from bot.slack.ids import RESOLVE_PATTERN, Action, ActionValue, Block, is_confirmed_resolve
from bot.slack.posting import post_once
from bot.slack.starting import start_sync


def _value(body: dict[str, Any]) -> ActionValue:
    return ActionValue.decode((body.get("actions") or [{}])[0].get("value"))


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def _thread(body: dict[str, Any]) -> str | None:
    """The thread a click on a message in a channel (an alert card) is followed in: the card
    keeps the story. An ephemeral answer or the Home tab has none."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    if container.get("type") != "message" or container.get("is_ephemeral") or not message:
        return None
    return message.get("thread_ts") or container.get("message_ts") or message.get("ts")


def note_sync(body: dict[str, Any], client: WebClient, by: str, now: datetime) -> bool:
    """One context line on the clicked card: who asked for a sync, when, and where it goes on."""
    message = body.get("message") or {}
    blocks = [b for b in message.get("blocks") or [] if b.get("block_id") != Block.SYNC_NOTE]
    if not blocks:
        return False
    note = context(f":arrows_counterclockwise: {views.sync_requested(by, now)}")
    note["block_id"] = Block.SYNC_NOTE
    payload = {"text": message.get("text") or "Sync requested", "blocks": [*blocks, note]}
    return reply.replace(body, client, payload)


def mark_resolved(
    body: dict[str, Any], client: WebClient, conflict_id: str, text: str, headline: str = ""
) -> bool:
    """Swap the conflict's buttons for `text` in the message that was clicked, keeping the rest;
    an alert card's first line (`headline`) then says what was decided, not "waiting"."""
    message = body.get("message") or {}
    blocks = message.get("blocks")
    if not blocks:
        return False
    block_id = f"resolve:{conflict_id}"
    new_blocks = [section(text) if b.get("block_id") == block_id else b for b in blocks]
    if new_blocks == blocks:
        return False
    fallback = message.get("text") or "Conflict resolved"
    if headline and any(b.get("block_id") == Block.HEADLINE for b in new_blocks):
        top = {**section(headline), "block_id": Block.HEADLINE}
        new_blocks = [top if b.get("block_id") == Block.HEADLINE else b for b in new_blocks]
        fallback = "Conflict resolved"
    return reply.replace(body, client, {"text": fallback, "blocks": new_blocks})


def show_resolved(
    deps: Deps,
    body: dict[str, Any],
    client: WebClient,
    conflict: Conflict | None,
    conflict_id: str,
    text: str,
    headline: str = "",
) -> None:
    """Update the card that was clicked; an ephemeral list is redrawn through its response_url."""
    if mark_resolved(body, client, conflict_id, text, headline):
        return
    if conflict is not None and (body.get("container") or {}).get("is_ephemeral"):
        blocks = views.conflict_blocks(conflict, deps.policy, resolved=text)
        if reply.replace(body, client, {"text": "Conflict resolved", "blocks": blocks}):
            return
    reply.ephemeral(body, client, {"text": text, "blocks": [section(text)]})


def mark_stale(
    body: dict[str, Any], client: WebClient, value: ActionValue, exc: AlreadyResolved
) -> None:
    """A card clicked after someone else decided: it now says who did, and how."""
    text = views.resolved_text(exc.by or "", exc.resolution)
    top = views.resolved_headline(value.workspace or "?", exc.by, exc.resolution)
    mark_resolved(body, client, value.conflict_id or "", text, top)


def show_resolution(
    deps: Deps,
    body: dict[str, Any],
    client: WebClient,
    value: ActionValue,
    user: str,
    result: ResolveResult,
) -> None:
    """The clicked card (or ephemeral list) says who resolved the conflict, how, and when."""
    now = deps.clock()
    text = views.resolved_text(user, value.resolution, result.run, at=now)
    workspace = result.conflict.workspace or value.workspace or "?"
    top = views.resolved_headline(workspace, user, value.resolution, now)
    show_resolved(deps, body, client, result.conflict, value.conflict_id or "", text, top)
    if result.run is not None:
        # The run the resolution started: followed for its requester's DM at its end. It has
        # no card of its own (the conflict's says who resolved it), so nothing is updated.
        deps.follower.follow(Followed(workspace, user, result.run, asked_in=_channel(body)))


def refresh_home(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    """A click in the Home tab redraws it, so what it shows follows what was just done."""
    if (body.get("view") or {}).get("type") == "home":
        home.publish(deps, client, _user(body))


def register(app: App, deps: Deps) -> None:
    guarded = reply.guard(deps.metrics)  # every listener counted in GET /metrics

    def sync(ack: Ack, body: dict[str, Any], client: WebClient, confirmed: bool) -> None:
        ack()
        value = _value(body)
        workspace = validate_name(value.workspace or "")
        thread = _thread(body)
        # From the Home tab there is no channel: the card goes to the person's DM with fsync.
        posted = start_sync(
            deps,
            client,
            _user(body),
            workspace,
            channel=_channel(body) or _user(body),
            response_url=reply.response_url_of(body),
            confirmed=confirmed,
            thread_ts=thread,
        )
        if thread and posted is not None and posted.ts:
            note_sync(body, client, _user(body), deps.clock())
        refresh_home(deps, body, client)

    @app.action(Action.SYNC)
    @guarded
    def on_sync(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        sync(ack, body, client, confirmed=False)

    @app.action(Action.SYNC_CONFIRMED)
    @guarded
    def on_sync_confirmed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        sync(ack, body, client, confirmed=True)

    def resolve(ack: Ack, body: dict[str, Any], client: WebClient, confirmed: bool) -> None:
        ack()
        value = _value(body)
        if not value.conflict_id or not value.resolution:
            raise AlreadyResolved(
                "That button is out of date.", conflict_id="", by=None, resolution=None
            )
        user = _user(body)
        try:
            result = deps.service.resolve(
                user, value.conflict_id, value.resolution, confirmed=confirmed
            )
        except AlreadyResolved as exc:
            # The card was stale: bring it up to date, then tell the clicker who was first.
            mark_stale(body, client, value, exc)
            raise
        show_resolution(deps, body, client, value, user, result)
        refresh_home(deps, body, client)

    # One listener for every resolution button: `fsync_resolve:<resolution>`, its `_confirmed`
    # twin, and the plain ids of cards posted before buttons had one action_id each.
    @app.action(RESOLVE_PATTERN)
    @guarded
    def on_resolve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        action_id = (body.get("actions") or [{}])[0].get("action_id", "")
        resolve(ack, body, client, confirmed=is_confirmed_resolve(action_id))

    @app.action(Action.SHOW_CONFLICTS)
    @guarded
    def on_show_conflicts(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        workspace = validate_name(_value(body).workspace or "")
        found = deps.service.conflicts(workspace)
        listing = views.conflicts_message(found, deps.policy, workspace)
        role = deps.service.role(_user(body))
        reply.ephemeral(body, client, views.for_role(listing, deps.policy, role))

    @app.action(Action.VIEW_DIFF)
    @guarded
    def on_view_diff(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = _value(body)
        if not value.conflict_id:
            raise StaleAction("That button is out of date. Open the Home tab again.")
        conflict = deps.service.conflict(value.conflict_id)
        client.views_open(trigger_id=body.get("trigger_id", ""), view=views.diff_modal(conflict))

    @app.action(Action.CONFIG_CONFIRMED)
    @guarded
    def on_config_confirmed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = _user(body)
        try:
            value = _value(body)
            # The changes come back from Slack: the service checks them (and audits a refusal).
            change = deps.service.change_config(
                user, value.workspace, value.changes or {}, confirmed=True
            )
        except (InvalidChanges, StaleAction) as exc:
            raise UsageError(views.NOT_OURS) from exc
        answer = config_views.config_changed(change, user)
        channel = _channel(body)
        if channel and change.before != change.after:
            line = views.config_line(change.workspace, change.before, change.after, user)
            posted = post_once(client, channel, line)
            answer = views.not_said(answer, posted.state, posted.error)
        reply.ephemeral(body, client, answer)

    @app.action(re.compile(f"^{Action.STATUS_PAGE}(_prev)?$"))
    @guarded
    def on_status_page(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        page = _value(body).page or 1
        overview = views.status_overview(
            deps.service.fleet(), deps.clock(), page=page, mutes=deps.mutes_by_workspace()
        )
        if not reply.replace(body, client, overview):
            reply.ephemeral(body, client, overview)

    @app.action(Action.EDIT_CONFIG)
    @guarded
    def on_edit_config(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        workspace = validate_name(_value(body).workspace or "")
        # Refuse before opening the form: a viewer should not fill in a form that cannot be saved.
        deps.service.require(_user(body), RoleAction.CONFIG, workspace)
        modals.open_config(deps, client, body, workspace)

    modals.register(app, deps)
    log_actions.register(app, deps)
