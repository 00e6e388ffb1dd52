"""The View log button: a modal with the last lines of a run's log (bot/slack/log_views.py).

The modal opens at once with "Reading the log…" and is then updated in place: Slack's
trigger_id is good for 3 seconds, and reading a log from the Sync API may take longer.
Anyone may click it (viewers too): a log is read-only.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import run_logs
from bot.slack import log_views, reply
from bot.slack.deps import Deps
from bot.slack.ids import Action, ActionValue

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    guarded = reply.guard(deps.metrics)  # every listener counted in GET /metrics

    @app.action(Action.VIEW_LOG)
    @guarded
    def on_view_log(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = ActionValue.decode((body.get("actions") or [{}])[0].get("value"))
        loading = log_views.loading_modal(value.workspace, value.run_id)
        opened = client.views_open(trigger_id=body.get("trigger_id", ""), view=loading)
        found = run_logs.fetch(deps.service, value.run_id, value.workspace)
        view = log_views.log_modal(found, deps.settings.web_url)
        shown = opened.get("view") or {}
        where = {"hash": shown["hash"]} if shown.get("hash") else {}
        try:
            client.views_update(view_id=shown.get("id", ""), view=view, **where)
        except SlackApiError as exc:  # closed before the log came: nowhere left to show it
            log.info("run log modal not updated: %s", exc.response.get("error"))
