"""A fleet too big for one message is paged, problems first, and every message stays valid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import FakeSlack
from tests.support import slackreq
from tests.support.botproc import VIEWER, BotProcess
from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotProcess, SimProcess]]:
    slack = FakeSlack().start()
    with SimProcess(extra_args=["--workspaces", "3000", "--seed", "7"], key="big-key") as sim:
        bot = BotProcess(slack, sim.url, sim.key, Path(tmp_path_factory.mktemp("big"))).start()
        yield bot, sim
        bot.stop()
    slack.stop()


def test_status_pages_a_big_fleet_with_problems_first(big: tuple[BotProcess, SimProcess]) -> None:
    bot, _ = big
    _, name = bot.command("status", user=VIEWER)
    (page1,) = bot.responses(name, timeout=20)
    assert len(page1["blocks"]) <= 50 and bot.slack.invalid == []
    shown = json.dumps(page1["blocks"])
    assert "3008 workspaces" in page1["text"]
    assert "Page 1 of" in shown
    failed_lines = shown.count(":red_circle:")
    assert failed_lines >= 20  # the ~3% failing synthetic workspaces come first
    assert ":large_green_circle: *" not in shown.split("Page 1 of")[0][:2000]
    nav = [e for b in page1["blocks"] if b["type"] == "actions" for e in b["elements"]]
    (next_page,) = nav
    message = {"ts": "1.1", "text": page1["text"], "blocks": page1["blocks"]}
    payload = slackreq.action_payload(
        next_page["action_id"],
        next_page["value"],
        user=VIEWER,
        channel="CBIG",
        response_url=bot.slack.response_url("p2"),
        message=message,
        ephemeral=True,
    )
    bot.post(slackreq.interactive_body(payload))
    (page2,) = bot.responses("p2", timeout=20)
    assert "Page 2 of" in json.dumps(page2["blocks"]) and page2["replace_original"] is True
    assert bot.slack.invalid == []


def test_home_tab_of_a_big_fleet_stays_within_limits(big: tuple[BotProcess, SimProcess]) -> None:
    bot, _ = big
    bot.post(json.dumps(slackreq.home_opened(VIEWER)), content_type="application/json")
    (published,) = bot.slack.wait_for("views.publish", timeout=20)
    view = published.args["view"]
    assert len(view["blocks"]) <= 100 and bot.slack.invalid == []
    assert "more problems" in json.dumps(view["blocks"])
