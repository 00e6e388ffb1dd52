"""`fsync-bot run` in Socket Mode (SLACK_APP_TOKEN set), end to end.

One bot process for the module, connected through the fake Slack's `apps.connections.open` to a
Socket Mode server on loopback (tests/support/socketmode.py). Every kind of envelope fsync
handles goes over the socket; each must be acked within Slack's 3 s and have its effect. Then the
server asks for a refresh and drops the socket: fsync must come back within seconds, without
spinning a core, and go on answering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.ids import Action, Block, View
from bot.socket_mode import PING_INTERVAL, PONG_TIMEOUT
from tests.fakes import FakeSlack
from tests.support import secrets_scan, slackreq
from tests.support.botproc import ADMIN, OPERATOR, BotProcess
from tests.support.scrape import scrape, wait_above
from tests.support.simproc import SimProcess
from tests.support.socketmode import ACK_DEADLINE, SocketModeServer

APP_TOKEN = "xapp-1-A0FSYNCAPP-1234567890-socket-mode-test-token"
CHANNEL = "CCHAN0001"
RECONNECT_WITHIN = 5.0
MAX_CPU_SHARE = 0.5  # of one core, while the bot waits for its new connection


class SocketBot(BotProcess):
    """`fsync-bot run` in Socket Mode: no HTTP port; ready once its first socket is open."""

    def __init__(
        self, slack: FakeSlack, sim: SimProcess, workdir: Path, server: SocketModeServer
    ) -> None:
        super().__init__(slack, sim.url, sim.key, workdir)
        self.server = server
        self.env["SLACK_APP_TOKEN"] = APP_TOKEN
        self.env["FIRESTARTR_RATE_LIMIT"] = "1000"  # as for the shared HTTP bot (conftest.py)
        del self.env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
        secrets_scan.remember(secrets=[APP_TOKEN])

    def start(self) -> Self:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, *self.argv], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            self.server.wait_opened(1, timeout=self.start_timeout)
        except AssertionError:
            raise RuntimeError(f"bot did not connect:\n{self.log()[-3000:]}") from None
        return self

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def server() -> Iterator[SocketModeServer]:
    server = SocketModeServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def socket_slack(server: SocketModeServer) -> Iterator[FakeSlack]:
    slack = FakeSlack(socket_mode=server.open_url).start()
    yield slack
    slack.stop()


@pytest.fixture(scope="module")
def socket_bot(
    tmp_path_factory: pytest.TempPathFactory,
    e2e_sim: SimProcess,
    socket_slack: FakeSlack,
    server: SocketModeServer,
) -> Iterator[SocketBot]:
    e2e_sim.reset()
    bot = SocketBot(socket_slack, e2e_sim, tmp_path_factory.mktemp("socket"), server).start()
    yield bot
    bot.stop()


@pytest.fixture()
def bot(
    socket_bot: SocketBot, socket_slack: FakeSlack, server: SocketModeServer, e2e_sim: SimProcess
) -> SocketBot:
    """The module's bot, with the simulator (and its rate window) and Slack's record afresh."""
    e2e_sim.reset()
    socket_slack.reset()
    server.errors.clear()
    return socket_bot


def acked(server: SocketModeServer, envelope_id: str) -> dict[str, Any]:
    """The ack, which must come within Slack's deadline and break none of its rules."""
    ack, latency = server.wait_ack(envelope_id)
    assert latency < ACK_DEADLINE, f"acked after {latency:.2f}s"
    assert server.errors == []
    return ack


def command(bot: SocketBot, text: str, *, user: str = ADMIN) -> tuple[str, str]:
    """`/fsync text` over the socket: the envelope id and the response_url name to wait on."""
    name = f"cmd-{uuid.uuid4().hex[:8]}"
    body = slackreq.command_body(
        text, user=user, channel=CHANNEL, response_url=bot.slack.response_url(name)
    )
    # Over the socket a command's payload is its form fields as JSON (see the fixture
    # slash_command.socket_mode_envelope.json).
    return bot.server.send_envelope("slash_commands", dict(parse_qsl(body))), name


def help_works(bot: SocketBot) -> None:
    envelope_id, _ = command(bot, "help")
    payload = acked(bot.server, envelope_id)["payload"]
    assert "fsync commands" in payload["text"] and "/fsync status" in json.dumps(payload)


def sim_saw(sim: SimProcess, method: str, path_end: str, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [
            r for r in sim.requests() if r["method"] == method and r["path"].endswith(path_end)
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_it_connects_with_the_app_token(bot: SocketBot, server: SocketModeServer) -> None:
    (first, *_) = [c for c in bot.slack.all_calls() if c.method == "apps.connections.open"]
    assert first.auth == f"Bearer {APP_TOKEN}"
    assert server.connections >= 1 and server.errors == []


def test_help_is_answered_in_the_ack(bot: SocketBot) -> None:
    help_works(bot)


def test_status_is_acked_then_answered_through_the_response_url(bot: SocketBot) -> None:
    envelope_id, name = command(bot, "status")
    assert "payload" not in acked(bot.server, envelope_id)
    (answer,) = bot.responses(name)
    assert "billing-api" in json.dumps(answer["blocks"])


def test_sync_now_button(bot: SocketBot, e2e_sim: SimProcess) -> None:
    payload = slackreq.action_payload(
        Action.SYNC,
        json.dumps({"w": "dev"}),
        user=OPERATOR,
        channel=CHANNEL,
        response_url=bot.slack.response_url("sync"),
    )
    assert "payload" not in acked(bot.server, bot.server.send_envelope("interactive", payload))
    assert sim_saw(e2e_sim, "POST", "/dev/sync")
    (card,) = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == CHANNEL)
    assert "Sync of *dev* requested by <@UOPER0001>" in json.dumps(card.args["blocks"])


def test_edit_config_modal_submission(bot: SocketBot, e2e_sim: SimProcess) -> None:
    meta = json.dumps({"w": "staging", "channel": CHANNEL})

    def submit(interval: str) -> dict[str, Any]:
        values = {
            Block.INTERVAL: {Block.INTERVAL: {"type": "plain_text_input", "value": interval}},
            Block.AUTO_APPLY: {
                Block.AUTO_APPLY: {"type": "static_select", "selected_option": {"value": "off"}}
            },
        }
        payload = slackreq.view_submission(View.EDIT_CONFIG, values, meta, user=ADMIN)
        return acked(bot.server, bot.server.send_envelope("interactive", payload))

    refused = submit("forever")["payload"]  # a modal's errors go back in the ack, as over HTTP
    assert refused["response_action"] == "errors" and Block.INTERVAL in refused["errors"]
    assert "payload" not in submit("2 hours")
    (told,) = bot.slack.wait_for("chat.postEphemeral")
    assert told.args["user"] == ADMIN and "*2h*" in json.dumps(told.args["blocks"])
    assert sim_saw(e2e_sim, "PUT", "/config")


def test_app_home_opened_event(bot: SocketBot) -> None:
    envelope = bot.server.send_envelope("events_api", slackreq.home_opened(OPERATOR))
    assert "payload" not in acked(bot.server, envelope)
    (published,) = bot.slack.wait_for("views.publish")
    assert published.args["user_id"] == OPERATOR and published.args["view"]["type"] == "home"
    assert bot.slack.invalid == []


def test_the_health_port_serves_metrics_health_and_readiness(bot: SocketBot) -> None:
    # Socket Mode has no HTTP server of its own: FSYNC_HEALTH_PORT (here PORT) serves these.
    before = scrape(bot.http)
    envelope_id, name = command(bot, "status")
    assert "payload" not in acked(bot.server, envelope_id)
    bot.responses(name)
    wait_above(bot.http, 'fsync_commands_total{name="status",outcome="ok"}', before)
    # The ack is timed after it has gone out on the socket, so the listener may count its
    # command first: each is its own fact (one scrape of both failed once in CI).
    wait_above(bot.http, "fsync_ack_latency_seconds_count", before)
    assert bot.http.get("/healthz").json()["ok"] is True
    ready = bot.http.get("/readyz")
    assert ready.status_code in (200, 503) and "lease" in ready.json()  # polls hourly here
    assert bot.http.get("/slack/events").status_code == 404  # only the health paths


def test_it_reconnects_when_slack_asks_for_a_refresh(
    bot: SocketBot, server: SocketModeServer
) -> None:
    # Three rounds, as Slack refreshes again and again. (Without bot/socket_mode.py's pong
    # deadline a round takes 0.5 s or 10 s, by a race in the client; the test below is the
    # deterministic check of that deadline.)
    for _ in range(3):
        opened, before, started = server.opened, bot.cpu_seconds(), time.monotonic()
        server.disconnect("refresh_requested")
        server.wait_opened(opened + 1, timeout=RECONNECT_WITHIN)
        help_works(bot)
        share = (bot.cpu_seconds() - before) / (time.monotonic() - started)
        assert share < MAX_CPU_SHARE, f"{share:.0%} of a core while reconnecting"
    assert bot.slack.of("apps.connections.open"), "each new connection needs a new URL"


def test_it_notices_a_connection_that_died_silently_and_reconnects(
    bot: SocketBot, server: SocketModeServer
) -> None:
    opened = server.opened
    server.freeze()  # no FIN, no close frame, no pong: only a pong deadline can tell
    # The next ping, its deadline, then websocket-client's 3 s wait for a close reply.
    server.wait_opened(opened + 1, timeout=PING_INTERVAL + 2 * PONG_TIMEOUT + 3 + 2)
    help_works(bot)


def test_it_reconnects_within_seconds_without_spinning_after_a_drop(
    bot: SocketBot, server: SocketModeServer
) -> None:
    opened, before, started = server.opened, bot.cpu_seconds(), time.monotonic()
    server.drop()
    try:
        server.wait_opened(opened + 1, timeout=RECONNECT_WITHIN)
        gap: float | None = time.monotonic() - started
    except AssertionError:
        gap = None
    share = (bot.cpu_seconds() - before) / (time.monotonic() - started)
    assert gap is not None, f"no new connection within {RECONNECT_WITHIN}s ({share:.0%} of a core)"
    assert share < MAX_CPU_SHARE, f"{share:.0%} of a core while reconnecting"
    help_works(bot)


def test_the_fake_slack_hands_out_socket_urls_only_for_an_app_token(
    socket_slack: FakeSlack,
) -> None:
    opened = WebClient(base_url=socket_slack.api_url).apps_connections_open(app_token=APP_TOKEN)
    assert opened["url"].startswith("ws://127.0.0.1:")
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=socket_slack.api_url, token="xoxb-1").api_call("apps.connections.open")
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_fifty_commands_at_once_against_a_slow_api_are_all_acked_in_time(
    bot: SocketBot, e2e_sim: SimProcess
) -> None:
    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 2000})
    try:
        sent = [command(bot, "status" if i % 2 else "conflicts")[0] for i in range(50)]
        latencies = [bot.server.wait_ack(envelope_id)[1] for envelope_id in sent]
        assert max(latencies) < ACK_DEADLINE and bot.server.errors == []
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})


@pytest.fixture()
def own_stack(tmp_path: Path, e2e_sim: SimProcess) -> Iterator[tuple[SocketModeServer, SocketBot]]:
    """A bot of its own, for the tests that end it."""
    e2e_sim.reset()
    server = SocketModeServer().start()
    slack = FakeSlack(socket_mode=server.open_url).start()
    bot = SocketBot(slack, e2e_sim, tmp_path, server)
    yield server, bot
    bot.stop()
    slack.stop()
    server.stop()


def test_sigterm_closes_the_socket_and_lets_an_acked_command_answer(
    own_stack: tuple[SocketModeServer, SocketBot], e2e_sim: SimProcess
) -> None:
    server, bot = own_stack
    bot.start()
    e2e_sim.control("POST", "/_sim/faults", {"latency_ms": 1500})
    try:
        envelope_id, name = command(bot, "status")
        acked(server, envelope_id)
        assert bot.proc is not None
        bot.proc.terminate()  # a deploy: the command is acked, its answer is still on its way
        (answer,) = bot.responses(name)
        assert "billing-api" in json.dumps(answer["blocks"])
        assert bot.proc.wait(15) == 0
    finally:
        e2e_sim.control("POST", "/_sim/faults", {})
    server.wait_connections(0)  # closed by the bot, not left to time out
    assert "Traceback" not in bot.log()


def test_a_bot_token_as_app_token_stops_with_a_clear_message(
    own_stack: tuple[SocketModeServer, SocketBot],
) -> None:
    _, bot = own_stack
    wrong = "xoxb-0000-wrong-kind-of-token"
    ran = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={**bot.env, "SLACK_APP_TOKEN": wrong},
        capture_output=True,
        text=True,
        timeout=30,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode == 2 and "not_allowed_token_type" in ran.stderr
    assert "app-level token" in ran.stderr and "Traceback" not in output and wrong not in output
