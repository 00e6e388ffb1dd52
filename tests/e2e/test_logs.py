"""View log end to end: `fsync-bot run` and `fsync-bot simulator` as processes, a fake Slack on
loopback. A failed sync's card offers View log; a viewer's click opens a modal Slack accepts with
the run's failing lines, colour codes gone, and a link to the whole log."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import blockkit
from tests.support.botproc import OPERATOR, VIEWER, BotProcess
from tests.support.simproc import SimProcess

V1 = "/v1/terraform/sync"


def view_log_buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in payload.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "fsync_view_log"
    ]


def test_a_failed_syncs_view_log_shows_the_error_at_the_end_of_its_log(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    e2e_sim.control("POST", "/_sim/workspaces/dev/next_outcome", {"outcome": "failed"})
    bot.command("sync dev", user=OPERATOR)
    (card,) = bot.slack.wait_for("chat.update", lambda c: view_log_buttons(c.args), timeout=15)
    (button,) = view_log_buttons(card.args)
    run = e2e_sim.api.get(f"{V1}/runs/{json.loads(button['value'])['ru']}").json()

    answer, _ = bot.click(button["action_id"], button["value"], user=VIEWER)
    assert answer.status_code == 200
    bot.slack.wait_for("views.open")
    (updated,) = bot.slack.wait_for("views.update")
    view = updated.args["view"]
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    first_line = run["message"].removeprefix("Error: ").splitlines()[0]
    assert view["title"]["text"] == "Run log"
    assert f"│ Error: {first_line}" in shown and "\\u001b" not in shown
    assert f"<{run['log_url']}|Open the whole log>" in shown
    assert blockkit.view_problems(view) == []
    assert "run log modal not updated" not in bot.log()
