"""Config changes, conflicts and their buttons, the modal, App Home, and the API misbehaving."""

from __future__ import annotations

import json
import time

from bot.slack.ids import Action, Block, View
from tests.support import slackreq
from tests.support.botproc import ADMIN, OPERATOR, VIEWER, BotProcess
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until


def texts(payload: dict) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False) + payload.get("text", "")


def buttons(payload: dict) -> list[dict]:
    return [e for b in payload.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_config_shows_and_changes_with_before_and_after(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    _, name = bot.command("config")
    (shown,) = bot.responses(name)
    assert "conflict_resolution" in texts(shown) and "staging" in texts(shown)
    _, name = bot.command("config staging interval=1h30m enabled=off")
    (changed,) = bot.responses(name)
    assert "5m → *90m*" in texts(changed) and "on → *off*" in texts(changed)
    puts = [r for r in e2e_sim.requests() if r["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["status"] == 200


def test_config_refuses_bad_values_with_the_valid_range(bot: BotProcess) -> None:
    answer, _ = bot.command("config staging interval=30s")
    assert "between 1 minute and 7 days" in answer.json()["text"]
    answer, _ = bot.command("config staging colour=blue")
    assert "Unknown setting" in answer.json()["text"]


def test_only_admins_change_config(bot: BotProcess, e2e_sim: SimProcess) -> None:
    _, name = bot.command("config staging interval=15m", user=OPERATOR)
    (reply,) = bot.responses(name)
    assert "admin role" in reply["text"] and "<@UADMIN001>" in reply["text"]
    assert [r for r in e2e_sim.requests() if r["method"] == "PUT"] == []


def test_turning_on_auto_apply_asks_first(bot: BotProcess, e2e_sim: SimProcess) -> None:
    _, name = bot.command("config production auto_apply=on")
    (prompt,) = bot.responses(name)
    (confirm,) = buttons(prompt)
    assert confirm["action_id"] == Action.CONFIG_CONFIRMED and "confirm" in confirm
    assert [r for r in e2e_sim.requests() if r["method"] == "PUT"] == []
    _, name = bot.click(confirm["action_id"], confirm["value"])
    (done,) = bot.responses(name)
    assert "off → *on*" in texts(done)


def post_card(bot: BotProcess, payload: dict, channel: str = "CCHAN0001") -> dict:
    """Put `payload` in a channel of the fake Slack, as a card the bot posted."""
    from slack_sdk import WebClient

    posted = WebClient(base_url=bot.slack.api_url, token="xoxb-x").chat_postMessage(
        channel=channel, text=payload["text"], blocks=payload["blocks"]
    )
    return {"ts": posted["ts"], "text": payload["text"], "blocks": payload["blocks"]}


def test_conflict_card_resolved_by_button_then_second_click_is_refused(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    _, name = bot.command("conflicts networking", user=OPERATOR)
    (listing,) = bot.responses(name)
    labels = [b["text"]["text"] for b in buttons(listing)]
    assert "Apply desired state" in labels and "Abort the run" in labels
    assert "sensitive value hidden" in texts(listing)
    assert "hunter2" not in texts(listing)
    apply = next(b for b in buttons(listing) if b["text"]["text"] == "Apply desired state")
    card = post_card(bot, listing)
    bot.click(apply["action_id"], apply["value"], user=OPERATOR, message=card)
    (update,) = bot.slack.wait_for("chat.update")
    assert "Resolved by <@UOPER0001>: apply desired state" in texts(update.args)
    assert not buttons(update.args)
    resolves = [r for r in e2e_sim.requests() if r["path"].endswith("/resolve")]
    assert len(resolves) == 1
    _, name = bot.click(apply["action_id"], apply["value"], user=ADMIN, message=card)
    (again,) = bot.responses(name)
    assert "already resolved by <@UOPER0001>" in again["text"]
    assert len([r for r in e2e_sim.requests() if r["path"].endswith("/resolve")]) == 1


def test_double_click_sends_one_resolution(bot: BotProcess, e2e_sim: SimProcess) -> None:
    import threading

    _, name = bot.command("conflicts networking", user=OPERATOR)
    (listing,) = bot.responses(name)
    ignore = next(b for b in buttons(listing) if b["text"]["text"] == "Ignore this time")
    names: list[str] = []

    def click() -> None:
        _, name = bot.click(ignore["action_id"], ignore["value"], user=OPERATOR)
        names.append(name)

    clicks = [threading.Thread(target=click) for _ in range(3)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    # Every click was handled (each got its answer) before counting what reached the API.
    answers = [bot.responses(name)[0]["text"] for name in names]
    assert len(names) == 3 and sum("already resolved" in a for a in answers) == 2, answers
    assert len([r for r in e2e_sim.requests() if r["path"].endswith("/resolve")]) == 1


def test_ephemeral_conflict_list_is_redrawn_after_a_click(bot: BotProcess) -> None:
    _, name = bot.command("conflicts", user=OPERATOR)
    (listing,) = bot.responses(name)
    abort = next(b for b in buttons(listing) if b["text"]["text"] == "Abort the run")
    from tests.support import slackreq as req

    payload = req.action_payload(
        abort["action_id"],
        abort["value"],
        user=OPERATOR,
        channel="CCHAN0001",
        response_url=bot.slack.response_url("eph"),
        ephemeral=True,
    )
    bot.post(req.interactive_body(payload))
    (redrawn,) = bot.responses("eph")
    assert redrawn["replace_original"] is True
    assert "Resolved by <@UOPER0001>: abort the run" in texts(redrawn)
    assert not buttons(redrawn)


def test_viewer_clicking_a_resolve_button_is_refused(bot: BotProcess, e2e_sim: SimProcess) -> None:
    _, name = bot.command("conflicts networking", user=ADMIN)
    (listing,) = bot.responses(name)
    apply = buttons(listing)[0]
    _, name = bot.click(apply["action_id"], apply["value"], user=VIEWER)
    (reply,) = bot.responses(name)
    assert "operator role" in reply["text"]
    assert [r for r in e2e_sim.requests() if r["path"].endswith("/resolve")] == []


def test_conflict_resolved_elsewhere_meanwhile(bot: BotProcess, e2e_sim: SimProcess) -> None:
    _, name = bot.command("conflicts networking", user=OPERATOR)
    (listing,) = bot.responses(name)
    abort = next(b for b in buttons(listing) if b["text"]["text"] == "Abort the run")
    conflict_id = json.loads(abort["value"])["c"]
    import httpx

    httpx.post(
        f"{e2e_sim.url}/v1/terraform/sync/conflicts/{conflict_id}/resolve",
        json={"resolution": "ignore_once", "resolved_by": "UELSEWHERE"},
        headers={"Authorization": f"Bearer {e2e_sim.key}"},
    )
    _, name = bot.click(abort["action_id"], abort["value"], user=OPERATOR)
    (reply,) = bot.responses(name)
    assert "already resolved" in reply["text"] and "UELSEWHERE" in reply["text"]


def test_edit_config_modal_validates_and_saves(bot: BotProcess, e2e_sim: SimProcess) -> None:
    _, name = bot.command("status staging")  # warms the cache the modal is prefilled from
    bot.responses(name)
    value = json.dumps({"w": "staging"})
    _, name = bot.click(Action.EDIT_CONFIG, value, user=VIEWER)
    (refusal,) = bot.responses(name)
    assert "admin role" in refusal["text"]
    assert bot.slack.of("views.open") == []
    bot.click(Action.EDIT_CONFIG, value, user=ADMIN)
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == View.EDIT_CONFIG and bot.slack.invalid == []
    bad = {Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "forever"}}}
    payload = slackreq.view_submission(View.EDIT_CONFIG, bad, view["private_metadata"], user=ADMIN)
    answer = bot.post(slackreq.interactive_body(payload))
    assert answer.json()["response_action"] == "errors"
    assert Block.INTERVAL in answer.json()["errors"]
    good = {
        Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": "2 hours"}},
        Block.ENABLED: {
            Block.ENABLED: {"type": "static_select", "selected_option": {"value": "on"}}
        },
        Block.AUTO_APPLY: {
            Block.AUTO_APPLY: {"type": "static_select", "selected_option": {"value": "on"}}
        },
    }
    payload = slackreq.view_submission(View.EDIT_CONFIG, good, view["private_metadata"], user=ADMIN)
    answer = bot.post(slackreq.interactive_body(payload))
    assert answer.status_code == 200
    told = bot.slack.wait_for("chat.postEphemeral", timeout=10)
    assert "*2h*" in texts(told[-1].args)


def test_api_down_commands_answer_from_last_known_state(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    _, name = bot.command("status")
    bot.responses(name)
    e2e_sim.control("POST", "/_sim/faults", {"error_rate": 1.0, "error_status": 503})
    try:
        started = time.monotonic()
        answer, name = bot.command("status")
        assert answer.status_code == 200 and time.monotonic() - started < 1.5
        (reply,) = bot.responses(name, timeout=30)
        assert "not answering" in texts(reply) and "last known state" in texts(reply)
        assert "billing-api" in texts(reply)
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


def test_slow_api_never_delays_the_ack(bot: BotProcess, e2e_sim: SimProcess) -> None:
    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 2500})
    try:
        worst = 0.0
        for text in ("status", "sync dev", "conflicts", "config"):
            started = time.monotonic()
            answer, _ = bot.command(text, user=ADMIN)
            worst = max(worst, time.monotonic() - started)
            assert answer.status_code == 200
        assert worst < 1.0
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


def test_app_home_shows_problems_first_with_working_buttons(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    envelope = slackreq.home_opened(OPERATOR)
    assert bot.post(json.dumps(envelope), content_type="application/json").status_code == 200
    (published,) = bot.slack.wait_for("views.publish")
    view = published.args["view"]
    assert view["type"] == "home" and bot.slack.invalid == []
    shown = texts(view)
    assert "billing-api" in shown and "networking" in shown and "operator" in shown
    sync = next(
        b
        for b in buttons(view)
        if b["text"]["text"] == "Sync now" and json.loads(b["value"])["w"] == "billing-api"
    )
    payload = slackreq.home_action_payload(sync["action_id"], sync["value"], user=OPERATOR)
    assert bot.post(slackreq.interactive_body(payload)).status_code == 200
    wait_until(
        lambda: any(r["path"].endswith("/billing-api/sync") for r in e2e_sim.requests()),
        10,
        "the Home tab's Sync now button to start a sync",
    )


def test_no_secret_reaches_slack_or_the_log(bot: BotProcess, e2e_sim: SimProcess) -> None:
    for text in ("status", "sync nope"):
        _, name = bot.command(text)
        bot.responses(name)  # answered: all it would say and log is out
    sent = bot.slack.everything_sent()
    log = bot.log()
    for secret in (e2e_sim.key, slackreq.SIGNING_SECRET):
        assert secret not in sent and secret not in log
    assert "xoxb-test-bot-token" not in log


def test_slow_api_answers_from_the_last_known_state_and_says_so(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    _, name = bot.command("status")
    bot.responses(name)
    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 7000})
    try:
        started = time.monotonic()
        _, name = bot.command("status")
        (reply,) = bot.responses(name, timeout=15)
        assert time.monotonic() - started < 6
        assert "slow to answer" in texts(reply) and "billing-api" in texts(reply)
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


def test_people_asking_at_once_share_one_fleet_listing(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    listings = lambda: sum(1 for r in e2e_sim.requests() if r["path"].endswith("/workspaces"))  # noqa: E731
    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 1500})
    try:
        before = listings()
        with ThreadPoolExecutor(10) as pool:
            names = list(pool.map(lambda i: bot.command("status", user=VIEWER)[1], range(10)))
        replies = [bot.responses(name, timeout=15)[0] for name in names]
        assert all("billing-api" in texts(reply) for reply in replies)
        # One listing, or a second or third if the first had landed before the last commands
        # came in (they are sent together, but this machine has two busy cores); 10 without.
        assert listings() - before <= 3
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


def test_fifty_concurrent_commands_against_a_slow_api_are_all_acked_fast(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 2000})
    try:

        def one(i: int) -> tuple[int, float]:
            started = time.monotonic()
            answer, _ = bot.command("status" if i % 2 else "conflicts", user=VIEWER)
            return answer.status_code, time.monotonic() - started

        with ThreadPoolExecutor(50) as pool:
            results = list(pool.map(one, range(50)))
        assert all(status == 200 for status, _ in results)
        assert max(elapsed for _, elapsed in results) < 3.0
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


def test_a_conflict_is_resolved_from_the_home_tab_and_the_tab_refreshes(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    bot.post(json.dumps(slackreq.home_opened(OPERATOR)), content_type="application/json")
    (published,) = bot.slack.wait_for("views.publish")
    view = published.args["view"]
    ignore = next(b for b in buttons(view) if b["text"]["text"] == "Ignore this time")
    assert json.loads(ignore["value"])["w"] == "networking"
    payload = slackreq.home_action_payload(ignore["action_id"], ignore["value"], user=OPERATOR)
    bot.post(slackreq.interactive_body(payload))
    republished = bot.slack.wait_for("views.publish", count=2)[-1].args["view"]
    assert "Ignore this time" not in texts(republished)  # resolved: the tab no longer offers it
    assert len([r for r in e2e_sim.requests() if r["path"].endswith("/resolve")]) == 1
    assert bot.slack.invalid == []
