"""View log through `App.dispatch`: a failed run's card and a failing workspace's status offer it,
and a click, by anyone (a viewer too), opens a modal Slack accepts with the run's failing lines.
The session simulator writes the logs; the fake Slack refuses any view Slack would refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from slack_bolt import App

from bot.settings import Settings
from bot.slack import log_views
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync, team_settings
from tests.support import slackreq
from tests.support.acks import dispatch_signed
from tests.support.botproc import OPERATOR, VIEWER
from tests.support.inproc import InProcessBot
from tests.support.simproc import SimProcess

CHANNEL = "CCHAN0001"
V1 = "/v1/terraform/sync"
WEB_URL = "https://firestartr.example/workspaces/{workspace}/runs/{run}"


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    return [
        e
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    ]


def click_view_log(app: App, slack: FakeSlack, button: dict[str, Any], user: str) -> str:
    """Click it as `user`; the text of the modal once it shows the log."""
    payload = slackreq.action_payload(
        button["action_id"],
        button["value"],
        user=user,
        channel=CHANNEL,
        response_url=slack.response_url("click"),
    )
    assert dispatch_signed(app, slackreq.interactive_body(payload)).status == 200
    (opened,) = slack.wait_for("views.open")
    assert opened.args["trigger_id"] == payload["trigger_id"]
    (updated,) = slack.wait_for("views.update")
    assert updated.args["view_id"] == "V0FAKE"
    view = updated.args["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "Run log"
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_a_failed_run_card_opens_its_log_for_a_viewer(
    sim: SimProcess, slack: FakeSlack, fsync: Fsync
) -> None:
    sim.control("POST", "/_sim/workspaces/dev/next_outcome", {"outcome": "failed"})
    url = slack.response_url("sync")
    body = slackreq.command_body("sync dev", user=OPERATOR, channel=CHANNEL, response_url=url)
    assert fsync.dispatch(body).status == 200

    def failed_card(call: Any) -> bool:
        return bool(buttons(call.args.get("blocks") or [], "fsync_view_log"))

    (card,) = slack.wait_for("chat.update", failed_card, timeout=15)
    (button,) = buttons(card.args["blocks"], "fsync_view_log")
    run_id = json.loads(button["value"])["ru"]
    run = sim.api.get(f"{V1}/runs/{run_id}").json()
    assert run["status"] == "failed"
    # The card links to the run's page the API gave (not FSYNC_WEB_URL, which is unset).
    assert f"<{run['url']}|Open in Firestartr>" in json.dumps(card.args["blocks"])

    shown = click_view_log(fsync.app, slack, button, VIEWER)
    first_line = run["message"].removeprefix("Error: ").splitlines()[0]
    assert f"│ Error: {first_line}" in shown
    assert "Refreshing state..." in shown and "\\u001b" not in shown and "\x1b" not in shown
    assert f"<{run['log_url']}|Open the whole log>" in shown


def test_status_of_a_failing_workspace_links_by_fsync_web_url_and_opens_the_log(
    tmp_path: Path, sim: SimProcess, slack: FakeSlack
) -> None:
    message = "Error: <!channel> AccessDenied for `ops` & friends"
    forced = {"status": "failed", "message": message}
    assert sim.control("POST", "/_sim/workspaces/dev/state", forced).status_code == 200
    run_id = sim.api.get(f"{V1}/workspaces").json()["workspaces"]
    run_id = next(w for w in run_id if w["name"] == "dev")["last_run_id"]
    settings: Settings = team_settings(tmp_path, sim, slack, web_url=WEB_URL)
    fsync = start_fsync(settings, slack)
    try:
        url = slack.response_url("status")
        body = slackreq.command_body("status dev", user=VIEWER, channel=CHANNEL, response_url=url)
        assert fsync.dispatch(body).status == 200
        (answer,) = slack.wait_for("response_url")
        link = f"https://firestartr.example/workspaces/dev/runs/{run_id}"
        assert f"<{link}|Open in Firestartr>" in json.dumps(answer.args["blocks"])
        (button,) = buttons(answer.args["blocks"], "fsync_view_log")
        shown = click_view_log(fsync.app, slack, button, VIEWER)
    finally:
        fsync.stop()
    # The log's text shows literally: no mention, no early end of the code block.
    assert "│ Error: &lt;!channel&gt; AccessDenied for ˋopsˋ &amp; friends" in shown
    assert "<!channel>" not in shown


def test_an_api_without_logs_says_so_in_the_modal(tmp_path: Path, slack: FakeSlack) -> None:
    """A server with neither run details nor logs (404 not_found): the click still opens a
    modal Slack accepts, which says logs are not available from this API."""
    asked: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        body = {"error": "not_found", "message": "No endpoint", "code": 404}
        return httpx.Response(404, json=body)

    bot = InProcessBot(api, slack, tmp_path / "fsync.db")
    try:
        button = log_views.view_log_button("run_42", "dev")
        shown = click_view_log(bot.app, slack, button, VIEWER)
    finally:
        bot.close()
    assert "Logs are not available from this Sync API." in shown
    assert f"{V1}/runs/run_42/log" in asked


def test_a_failure_alerts_view_log_reads_the_workspaces_last_run(
    sim: SimProcess, slack: FakeSlack, fsync: Fsync
) -> None:
    """An alert card's button names only the workspace (bot/slack/alert_cards.py)."""
    forced = {"status": "failed", "message": "Error: the state lock is held"}
    assert sim.control("POST", "/_sim/workspaces/dev/state", forced).status_code == 200
    shown = click_view_log(fsync.app, slack, log_views.view_log_button(None, "dev"), VIEWER)
    assert "│ Error: the state lock is held" in shown
