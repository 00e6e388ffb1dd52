"""The Edit config modal: open it, validate it, confirm auto_apply, apply it."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.durations import normalise_interval
from bot.errors import Confirm, FsyncError, InvalidChanges, UsageError
from bot.slack import config_views, reply, views
from bot.slack.blocks import clip, esc, section
from bot.slack.deps import Deps
from bot.slack.ids import Block, View
from bot.slack.posting import post_once


class Meta(BaseModel):
    """What the Edit config modal carries in `private_metadata` from one step to the next. On
    the wire `workspace` keeps its short key `w` (as ActionValue's fields do), so a modal
    opened before the field had a name still decodes."""

    model_config = ConfigDict(populate_by_name=True)

    workspace: str = Field(alias="w")
    channel: str | None = None  # the channel it was opened from; None: answers go by DM
    changes: dict[str, Any] | None = None  # set when the auto_apply confirmation is shown

    def encode(self) -> str:
        return self.model_dump_json(by_alias=True)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _switch(block_id: str, label: str, current: bool | None) -> dict[str, Any]:
    options = [_option("On", "on"), _option("Off", "off")]
    element: dict[str, Any] = {"type": "static_select", "action_id": block_id, "options": options}
    if current is not None:
        element["initial_option"] = options[0] if current else options[1]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def config_view(
    workspace: str,
    *,
    enabled: bool | None,
    interval: str | None,
    auto_apply: bool | None,
    channel: str | None,
) -> dict[str, Any]:
    interval_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Block.INTERVAL,
        "placeholder": {"type": "plain_text", "text": "e.g. 15m, 1h30m, 2 hours"},
    }
    if interval:
        interval_input["initial_value"] = interval
    return {
        "type": "modal",
        "callback_id": View.EDIT_CONFIG,
        "private_metadata": Meta(workspace=workspace, channel=channel).encode(),
        "title": {"type": "plain_text", "text": "Edit sync config"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Workspace *{esc(workspace)}*"),
            _switch(Block.ENABLED, "Sync enabled", enabled),
            {
                "type": "input",
                "block_id": Block.INTERVAL,
                "label": {"type": "plain_text", "text": "Sync interval (1m to 7d)"},
                "element": interval_input,
            },
            _switch(Block.AUTO_APPLY, "Auto-apply changes", auto_apply),
        ],
    }


def confirm_view(meta: Meta) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": View.CONFIRM_AUTO_APPLY,
        "private_metadata": meta.encode(),
        "title": {"type": "plain_text", "text": "Turn on auto-apply?"},
        "submit": {"type": "plain_text", "text": "Turn it on"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(
                f":warning: With auto-apply on, syncs of *{esc(meta.workspace)}* change real "
                "infrastructure without review. Save these changes?"
            )
        ],
    }


def open_config(deps: Deps, client: WebClient, body: dict[str, Any], workspace: str) -> None:
    cached = deps.service.cached_fleet()
    ws = cached.find(workspace) if cached else None
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get(
        "id"
    )
    view = config_view(
        workspace,
        enabled=ws.sync_enabled if ws else None,
        interval=ws.sync_interval if ws else None,
        auto_apply=ws.auto_apply if ws else None,
        channel=channel,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


SWITCH = {"on": True, "off": False}  # the only values _switch offers


def _changes(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id, key in ((Block.ENABLED, "enabled"), (Block.AUTO_APPLY, "auto_apply")):
        selected = (values.get(block_id, {}).get(block_id) or {}).get("selected_option")
        if not selected:
            continue
        value = selected.get("value") if isinstance(selected, dict) else None
        if value not in SWITCH:
            # Not an option this form offered: read as "off", it would turn the setting off.
            errors[block_id] = "Choose On or Off."
            continue
        changes[key] = SWITCH[value]
    raw = (values.get(Block.INTERVAL, {}).get(Block.INTERVAL) or {}).get("value") or ""
    try:
        changes["sync_interval"] = normalise_interval(raw)
    except UsageError as exc:
        errors[Block.INTERVAL] = clip(exc.user_message.replace("`", ""), 150)
    return changes, errors


def _tell(client: WebClient, user: str, channel: str | None, payload: dict[str, Any]) -> None:
    """Only to `user`: in the channel the form was opened from, else by DM."""
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, **payload)
            return
    except SlackApiError:
        pass
    client.chat_postMessage(channel=user, **payload)


def _apply(
    deps: Deps, client: WebClient, user: str, meta: Meta, changes: dict[str, Any], confirmed: bool
) -> None:
    try:
        change = deps.service.change_config(user, meta.workspace, changes, confirmed=confirmed)
    except Confirm as exc:
        _tell(client, user, meta.channel, views.confirm_prompt(exc))
        return
    except InvalidChanges as exc:
        # From the confirm dialog the changes came back through private_metadata: not ours.
        shown = UsageError(views.NOT_OURS) if confirmed else exc
        _tell(client, user, meta.channel, views.error_message(shown))
        return
    except FsyncError as exc:
        _tell(client, user, meta.channel, views.error_message(exc))
        return
    answer = config_views.config_changed(change, user)
    if meta.channel and change.before != change.after:
        # The channel the form was opened from sees the change too, as for `/fsync config`.
        line = views.config_line(change.workspace, change.before, change.after, user)
        posted = post_once(client, meta.channel, line)
        answer = views.not_said(answer, posted.state, posted.error)
    _tell(client, user, meta.channel, answer)


def register(app: App, deps: Deps) -> None:
    guarded = reply.guard(deps.metrics)  # every listener counted in GET /metrics

    @app.view(View.EDIT_CONFIG)
    @guarded
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        try:
            meta = Meta.model_validate_json(view.get("private_metadata") or "{}")
        except (ValidationError, json.JSONDecodeError):
            ack(response_action="errors", errors={Block.INTERVAL: "This form is out of date."})
            return
        changes, errors = _changes(view.get("state", {}).get("values", {}))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = (body.get("user") or {}).get("id", "")
        cached = deps.service.cached_fleet()
        ws = cached.find(meta.workspace) if cached else None
        if changes.get("auto_apply") and not (ws and ws.auto_apply):
            ack(
                response_action="update",
                view=confirm_view(meta.model_copy(update={"changes": changes})),
            )
            return
        ack()
        _apply(deps, client, user, meta, changes, confirmed=False)

    @app.view(View.CONFIRM_AUTO_APPLY)
    @guarded
    def on_confirm(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        user = (body.get("user") or {}).get("id", "")
        try:
            meta = Meta.model_validate_json(view.get("private_metadata") or "{}")
        except (ValidationError, json.JSONDecodeError):
            # Its channel cannot be trusted either: the refusal goes by DM.
            _tell(client, user, None, views.error_message(UsageError(views.NOT_OURS)))
            return
        _apply(deps, client, user, meta, meta.changes or {}, confirmed=True)
