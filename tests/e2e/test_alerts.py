"""Alerts, black-box: `fsync-bot run` polling a real simulator (or a stub API), posting to a fake
Slack on loopback. Each test uses its own workspaces and channels on the module's processes, or
starts its own processes when it needs a fresh database (storm, two bots, kill -9)."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.alerts.historyslack import HistorySlack
from tests.support.alertstack import alert_fixtures
from tests.support.botproc import ADMIN, OPERATOR, VIEWER, BotProcess
from tests.support.simproc import SimProcess
from tests.support.waiting import wait_until

KEY = "sim-key-alerts-not-a-secret"
ALERTS = "CALERTS"


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + str(message.get("text"))


def cards_about(slack: HistorySlack, channel: str, needle: str) -> list[dict[str, Any]]:
    return [m for m in slack.posts(channel) if needle in shown(m)]


# --- the module's processes ---------------------------------------------------------------------
sim, slack, bot = alert_fixtures(KEY, ALERTS, sync_seconds="0.3", workdir="alerts")


def add(sim: SimProcess, name: str, status: str | None = None, message: str | None = None) -> None:
    sim.control("POST", "/_sim/workspaces", {"name": name}).raise_for_status()
    if status:
        set_state(sim, name, status, message)


def set_state(sim: SimProcess, name: str, status: str, message: str | None = None) -> None:
    body = {"status": status, **({"message": message} if message else {})}
    sim.control("POST", f"/_sim/workspaces/{name}/state", body).raise_for_status()


def subscribe(bot: BotProcess, channel: str, args: str, user: str = OPERATOR) -> str:
    _, name = bot.command(f"subscribe {args}", user=user, channel=channel)
    (answer,) = bot.responses(name)
    return shown(answer)


# --- each event type ----------------------------------------------------------------------------
def test_existing_problems_get_cards_and_the_conflict_card_has_working_buttons(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    wait_until(lambda: cards_about(slack, ALERTS, "billing-api"), what="billing-api card")
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "networking"), what="conflict card")
    buttons = next(b for b in card["blocks"] if str(b.get("block_id")).startswith("resolve:"))
    ignore = next(e for e in buttons["elements"] if "ignore" in e["value"])
    bot.click(ignore["action_id"], ignore["value"], user=OPERATOR, channel=ALERTS, message=card)
    # The click marks the card resolved in place; the poll then sees the workspace recover.
    wait_until(lambda: "Resolved by <@UOPER0001>" in shown(slack.messages[(ALERTS, card["ts"])]))
    back = wait_until(
        lambda: [m for m in slack.replies(ALERTS, card["ts"]) if m.get("reply_broadcast")],
        what="the broadcast recovery",
    )
    assert "networking* is back to success" in shown(back[0])
    final = slack.messages[(ALERTS, card["ts"])]
    assert "Resolved by <@UOPER0001>" in shown(final) and "back to success" in shown(final)
    assert len(cards_about(slack, ALERTS, "networking")) == 1
    assert slack.invalid == []


def test_failure_is_escaped_updated_in_place_and_its_recovery_broadcast(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "t1-app")
    assert "Subscribed" in subscribe(bot, "CT1", "t1-* failed recovered")
    (test_line,) = wait_until(lambda: slack.posts("CT1"))
    assert "t1-*" in shown(test_line)
    set_state(sim, "t1-app", "failed", "<!channel> disk full <@U123>")
    (card,) = wait_until(lambda: cards_about(slack, "CT1", "t1-app"), what="the card")
    assert "&lt;!channel&gt; disk full &lt;@U123&gt;" in shown(card)
    set_state(sim, "t1-app", "failed", "Error: permission denied")
    (news,) = wait_until(lambda: slack.replies("CT1", card["ts"]), what="a thread reply")
    assert "new error" in shown(news) and "permission denied" in shown(news)
    assert not news.get("reply_broadcast")
    assert "permission denied" not in shown(card)  # the test holds the card as first posted
    updated = slack.messages[("CT1", card["ts"])]
    assert updated["updates"] >= 1 and "2 failures" in shown(updated)
    set_state(sim, "t1-app", "success")
    replies = wait_until(
        lambda: len(slack.replies("CT1", card["ts"])) == 2 and slack.replies("CT1", card["ts"])
    )
    assert replies[1]["reply_broadcast"] is True and "back to success after" in shown(replies[1])
    assert len(slack.posts("CT1")) == 2  # the test line and one card: everything else in place
    everything = slack.everything_sent()
    assert "<!channel>" not in everything and "<@U123>" not in everything


def test_api_down_for_many_polls_is_one_alert_and_one_recovery(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    subscribe(bot, "CAPI", "nothing-here api")
    sim.control("POST", "/_sim/faults", {"error_rate": 1, "error_status": 503}).raise_for_status()
    try:
        (card,) = wait_until(
            lambda: cards_about(slack, "CAPI", "Sync API is not answering"), timeout=30
        )
        failed = bot.failed_polls()
        wait_until(lambda: bot.failed_polls() > failed, what="one more failed poll")
        wait_until(lambda: bot.unsent() == 0, what="the outbox to drain")  # nothing more to say
        assert len(slack.posts("CAPI")) == 2 and slack.replies("CAPI", card["ts"]) == []
    finally:
        sim.control("POST", "/_sim/faults", {}).raise_for_status()
    (back,) = wait_until(lambda: slack.replies("CAPI", card["ts"]), what="the API back")
    assert back["reply_broadcast"] is True and "Sync API is back" in shown(back)
    assert len(slack.posts("CAPI")) == 2  # the test line and the one API card


def test_stalled_workspace(tmp_path: Path, slack: HistorySlack) -> None:
    api = StubApi().start()
    api.workspace = {
        "name": "frozen",
        "status": "success",
        "sync_enabled": True,
        "sync_interval": "10m",
        "last_sync": _rfc(timedelta(hours=-2)),
        "next_sync": _rfc(timedelta(hours=-1)),
    }
    stalled = BotProcess(
        slack, api.url, "k", tmp_path, FSYNC_POLL_INTERVAL="1", FSYNC_ALERT_CHANNEL="CSTALL"
    ).start()
    try:
        (card,) = wait_until(lambda: cards_about(slack, "CSTALL", "frozen"), what="stalled card")
        assert "has stalled" in shown(card)
        api.workspace = {
            **api.workspace,
            "last_sync": _rfc(),
            "next_sync": _rfc(timedelta(minutes=9)),
        }
        (back,) = wait_until(lambda: slack.replies("CSTALL", card["ts"]))
        assert back["reply_broadcast"] is True and "back to success" in shown(back)
    finally:
        stalled.stop()
        api.stop()


# --- Slack misbehaving --------------------------------------------------------------------------
def test_slack_429_and_500_for_a_while_still_deliver_once(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "tr-app")
    subscribe(bot, "CRL", "tr-*")
    slack.fail("chat.postMessage", status=429, retry_after=1, times=2, channel="CRL")
    slack.fail("chat.postMessage", status=500, error="internal_error", times=2, channel="CRL")
    set_state(sim, "tr-app", "failed", "boom")
    wait_until(lambda: cards_about(slack, "CRL", "tr-app"), timeout=20)
    attempts = [c for c in slack.of("chat.postMessage") if c.args.get("channel") == "CRL"]
    assert len(attempts) == 1 + 5  # the test line, then 429, 429, 500, 500, delivered
    assert attempts[2].at - attempts[1].at >= 0.9  # Retry-After: 1 honoured
    wait_until(lambda: bot.unsent() == 0, what="the outbox to drain")
    assert len(cards_about(slack, "CRL", "tr-app")) == 1


def test_archived_and_deleted_channels_turn_their_routes_off_and_tell_the_admins(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "ta-app")
    add(sim, "ta-two")
    subscribe(bot, "CARCH", "ta-*")
    subscribe(bot, "CDEL", "ta-*")
    slack.fail("chat.postMessage", error="is_archived", channel="CARCH", times=1000)
    slack.fail("chat.postMessage", error="channel_not_found", channel="CDEL", times=1000)
    set_state(sim, "ta-app", "failed", "boom")
    for channel, error in (("CARCH", "is_archived"), ("CDEL", "channel_not_found")):
        notice_of = f"<#{channel}>"
        wait_until(lambda n=notice_of: cards_about(slack, ALERTS, n), what=notice_of)
        (notice,) = cards_about(slack, ALERTS, f"<#{channel}>")
        assert "<@UADMIN001>" in notice["text"] and error in notice["text"]
    set_state(sim, "ta-two", "failed", "boom again")
    wait_until(lambda: cards_about(slack, ALERTS, "ta-two"))
    for channel in ("CARCH", "CDEL"):
        tried = [c for c in slack.of("chat.postMessage") if c.args.get("channel") == channel]
        assert len(tried) == 2  # the test line and one refused card: nothing loops
    _, name = bot.command("subscriptions", user=ADMIN, channel=ALERTS)
    (listing,) = bot.responses(name)
    assert "off: Slack answered `is_archived`" in shown(listing)


# --- commands -----------------------------------------------------------------------------------
def test_who_may_change_routes_and_what_subscribe_checks(
    bot: BotProcess, slack: HistorySlack
) -> None:
    assert "operator role" in subscribe(bot, "CVIEW", "x*", user=VIEWER)
    slack.fail("conversations.info", error="channel_not_found", channel="CPRIV", times=1)
    assert "/invite @fsync" in subscribe(bot, "CPRIV", "x*")
    assert slack.posts("CPRIV") == []
    assert "Subscribed" in subscribe(bot, "CVIEW", "x* failed", user=ADMIN)
    _, name = bot.command("subscriptions", user=VIEWER, channel="CVIEW")
    (listing,) = bot.responses(name)
    assert "`x*` (failed)" in shown(listing) and "CALERTS" not in shown(listing)
    _, name = bot.command("unsubscribe x*", user=VIEWER, channel="CVIEW")
    assert "operator role" in shown(bot.responses(name)[0])
    _, name = bot.command("unsubscribe x*", user=OPERATOR, channel="CVIEW")
    assert "no longer" in shown(bot.responses(name)[0])
    _, name = bot.command("audit", user=ADMIN)
    assert "subscribe" in shown(bot.responses(name)[0])


def test_mutes_record_quietly_expire_and_remind_once(
    bot: BotProcess, slack: HistorySlack, sim: SimProcess
) -> None:
    add(sim, "tm-app")
    add(sim, "tm-two")
    subscribe(bot, "CMUTE", "tm-*")
    _, name = bot.command("mute tm-* 1h planned work", user=OPERATOR, channel="CMUTE")
    assert "Muted `tm-*`" in shown(bot.responses(name)[0])
    set_state(sim, "tm-app", "failed", "boom")
    wait_until(lambda: "muted" in _status(bot, "tm-app"), what="the mute in status")
    wait_until(lambda: _muted(bot.db, "tm-app"), what="the failure recorded as muted")
    assert [m for m in slack.posts("CMUTE") if "tm-app" in shown(m)] == []
    assert cards_about(slack, ALERTS, "tm-app") == []
    _expire_mutes(bot.db)  # time passes: the hour is over
    (card,) = wait_until(lambda: cards_about(slack, "CMUTE", "tm-app"), what="the reminder")
    assert "The mute on `tm-*` ended" in shown(card)
    # A new mute, a failure under it, then an early unmute: one reminder each, nothing else.
    bot.command("mute tm-* 2h", user=OPERATOR, channel="CMUTE")
    set_state(sim, "tm-two", "failed", "boom two")
    wait_until(lambda: _muted(bot.db, "tm-two"), what="tm-two recorded as muted")
    assert cards_about(slack, "CMUTE", "tm-two") == []
    _, name = bot.command("unmute tm-*", user=OPERATOR, channel="CMUTE")
    assert "has ended" in shown(bot.responses(name)[0])
    wait_until(lambda: cards_about(slack, "CMUTE", "tm-two"), what="tm-two after unmute")
    (reminder,) = wait_until(lambda: slack.replies("CMUTE", card["ts"]), what="thread reminder")
    assert ":bell:" in shown(reminder)
    polls = sim.listings()  # a poll after the reminders, its alerts out: none said twice
    wait_until(lambda: sim.listings() > polls and bot.unsent() == 0, what="a poll more, drained")
    assert (
        len(cards_about(slack, "CMUTE", "tm-app"))
        == len(cards_about(slack, "CMUTE", "tm-two"))
        == 1
    )
    assert len(slack.replies("CMUTE", card["ts"])) == 1
    assert "muted" not in _status(bot, "tm-app")


def _status(bot: BotProcess, workspace: str) -> str:
    _, name = bot.command("status", user=VIEWER)
    (answer,) = bot.responses(name)
    lines = [line for line in shown(answer).split("\\n") if workspace in line]
    return " ".join(lines)


def _muted(db: Path, workspace: str) -> bool:
    with sqlite3.connect(db, timeout=10) as conn:
        rows = conn.execute(
            "SELECT payload FROM alert_outbox WHERE state = 'muted' AND channel = 'CMUTE'"
        ).fetchall()
    return any(workspace in payload for (payload,) in rows)


def _expire_mutes(db: Path) -> None:
    with sqlite3.connect(db, timeout=10) as conn:
        conn.execute(
            "UPDATE alert_mutes SET until = ?",
            [(datetime.now(UTC) - timedelta(seconds=1)).isoformat()],
        )


# --- storms, two processes, kill -9 -------------------------------------------------------------
def test_a_storm_of_200_failures_is_one_digest(tmp_path: Path, slack: HistorySlack) -> None:
    with SimProcess(extra_args=["--workspaces", "200"], key=KEY) as storm:
        http = storm.client()
        names = [f"ws-{n:04d}" for n in range(1, 201)]
        for name in names:
            http.post(
                f"/_sim/workspaces/{name}/state", json={"status": "failed"}
            ).raise_for_status()
        http.close()
        process = BotProcess(
            slack, storm.url, KEY, tmp_path, FSYNC_POLL_INTERVAL="1", FSYNC_ALERT_CHANNEL="CSTORM"
        ).start()
        try:
            (digest,) = wait_until(lambda: slack.posts("CSTORM"), what="the digest")
            assert "202 workspaces need attention" in shown(digest)
            thread = wait_until(
                lambda: slack.replies("CSTORM", digest["ts"]) if _drained(process.db) else None,
                timeout=30,
            )
            assert 1 <= len(thread) <= 20
            detail = "".join(shown(m) for m in thread)
            assert all(f"*{name}*" in detail for name in names)
            assert len(slack.posts("CSTORM")) == 1
            sent = [c for c in slack.of("chat.postMessage") if c.args.get("channel") == "CSTORM"]
            assert len(sent) == 1 + len(thread)  # paced: Slack never had to say 429
        finally:
            process.stop()


def _drained(db: Path) -> bool:
    with sqlite3.connect(db, timeout=10) as conn:
        (left,) = conn.execute(
            "SELECT COUNT(*) FROM alert_outbox WHERE state IN ('pending', 'sending')"
        ).fetchone()
    return left == 0


def test_two_bots_on_one_database_alert_once(
    tmp_path: Path, slack: HistorySlack, sim: SimProcess
) -> None:
    first = BotProcess(slack, sim.url, sim.key, tmp_path, FSYNC_POLL_INTERVAL="1").start()
    second = BotProcess(slack, sim.url, sim.key, tmp_path, FSYNC_POLL_INTERVAL="1").start()
    try:
        subscribe(first, "CTWO", "tw-*")
        add(sim, "tw-one", "failed", "boom")
        wait_until(lambda: cards_about(slack, "CTWO", "tw-one"))
        polls = sim.listings()  # two polls more (by whichever holds the lease), drained
        wait_until(lambda: sim.listings() >= polls + 2 and second.unsent() == 0, what="2 polls")
        assert len(cards_about(slack, "CTWO", "tw-one")) == 1
        first.stop()  # a deploy: the old process hands the lease over
        add(sim, "tw-two", "failed", "boom")
        wait_until(lambda: cards_about(slack, "CTWO", "tw-two"), timeout=20)
        polls = sim.listings()
        wait_until(lambda: sim.listings() >= polls + 2 and second.unsent() == 0, what="2 polls")
        assert len(cards_about(slack, "CTWO", "tw-one")) == 1
        assert len(cards_about(slack, "CTWO", "tw-two")) == 1
        keys = [k for k in slack.keys() if k.endswith(":CTWO")]
        assert len(keys) == len(set(keys))
        assert "alerts lease taken" in second.log()
    finally:
        first.stop()
        second.stop()


def test_kill_9_in_the_middle_of_a_delivery_loses_and_doubles_nothing(
    tmp_path: Path, slack: HistorySlack, sim: SimProcess
) -> None:
    env = {"FSYNC_POLL_INTERVAL": "1"}
    first = BotProcess(slack, sim.url, sim.key, tmp_path, **env).start()
    subscribe(first, "CKILL", "tk-*")
    before = len(slack.posts("CKILL"))  # the test line
    slack.slow["CKILL"] = 3.0  # Slack takes the next post but answers late: kill then
    for n in (1, 2, 3):
        add(sim, f"tk-{n}", "failed", f"boom {n}")
    wait_until(lambda: len(slack.posts("CKILL")) > before, what="a post in flight")
    first.kill()
    slack.slow.clear()
    second = BotProcess(slack, sim.url, sim.key, tmp_path, **env).start()
    try:
        wait_until(
            lambda: all(cards_about(slack, "CKILL", f"tk-{n}") for n in (1, 2, 3)), timeout=30
        )
        wait_until(lambda: second.unsent() == 0, what="the outbox to drain")
        for n in (1, 2, 3):
            assert len(cards_about(slack, "CKILL", f"tk-{n}")) == 1
        keys = [k for k in slack.keys() if k.endswith(":CKILL")]
        assert len(keys) == len(set(keys))
        assert "was already in Slack" in second.log()
    finally:
        second.stop()


# --- a stub Sync API for what the simulator cannot do (a workspace whose schedule stopped) -------
def _rfc(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


class StubApi:
    def __init__(self) -> None:
        self.workspace: dict[str, Any] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps({"workspaces": [stub.workspace], "conflicts": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StubApi:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
