"""Slack's Socket Mode server, on loopback, for process tests of `fsync-bot run` in Socket Mode.

The fake Slack Web API's `apps.connections.open` hands out a URL minted by `open_url()`
(`ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`). A client that connects with it gets a
`hello`; the test then sends envelopes, waits for their acks, asks for a refresh (`disconnect`)
or drops the socket, as Slack does (https://api.slack.com/apis/connections/socket). `hello` and
`disconnect` are the samples in tests/fixtures/slack/payloads with our values filled in.

At least as strict as Slack: a ticket opens one connection; an ack for an unknown or already
acked envelope, an ack later than 3 s, a payload in the ack of an envelope that accepts none,
and a frame that is not a JSON ack all land in `errors`. Un-acked envelopes are not retried.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bot.slack.blockkit import ack_problems
from tests.support.slackreq import sample

APP_ID = "A0FSYNCAPP"
ACK_DEADLINE = 3.0


@dataclass
class Envelope:
    envelope_id: str
    type: str
    sent_at: float
    accepts_response_payload: bool
    ack: dict[str, Any] | None = None
    acked_at: float | None = None


@dataclass
class Link:
    """One open WebSocket; once asked to refresh or frozen, it gets no more envelopes."""

    ws: ServerConnection
    opened_at: float
    live: bool = True


@dataclass
class SocketModeServer:
    app_id: str = APP_ID
    errors: list[str] = field(default_factory=list)
    opened: int = 0  # connections accepted so far
    opened_at: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._state = threading.Condition()
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._envelopes: dict[str, Envelope] = {}
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._later: list[Future[None]] = []
        self.port = 0

    # --- control ---------------------------------------------------------------------------
    def start(self) -> Self:
        ready = threading.Event()

        async def main() -> None:
            # No keepalive pings of our own: the client under test must find a dead socket itself.
            self._server = await serve(
                self._serve,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                ping_interval=None,
                compression=None,
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.create_task(main())
            self._loop.run_forever()

        threading.Thread(target=run, name="socket-mode-server", daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the Socket Mode server did not start")
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        for pending in self._later:
            pending.cancel()
        self.drop()  # a frozen connection would hold up a graceful close
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def open_url(self) -> str:
        """What `apps.connections.open` answers: a URL good for one connection."""
        ticket = secrets.token_hex(8)
        with self._state:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    @property
    def connections(self) -> int:
        with self._state:
            return len(self._links)

    def wait_connections(self, count: int, timeout: float = 10.0) -> None:
        """Wait until exactly `count` connections are open."""
        with self._state:
            if not self._state.wait_for(lambda: len(self._links) == count, timeout):
                raise AssertionError(f"{len(self._links)} connections open, not {count}")

    def wait_opened(self, count: int, timeout: float = 10.0) -> float:
        """Wait until `count` connections have been opened in all; returns when the last was."""
        with self._state:
            if not self._state.wait_for(lambda: self.opened >= count, timeout):
                raise AssertionError(
                    f"{self.opened} connections opened, not {count}, in {timeout}s"
                )
            return self.opened_at[count - 1]

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        timeout: float = 10.0,
    ) -> str:
        """Send on the newest live connection (waiting up to `timeout` for one); its id."""
        if accepts_response_payload is None:
            # Slack takes a response in the ack of commands, modal submissions and option loads.
            accepts_response_payload = type == "slash_commands" or payload.get("type") in (
                "view_submission",
                "block_suggestion",
            )
        with self._state:
            live = lambda: [link for link in self._links if link.live]  # noqa: E731
            if not self._state.wait_for(live, timeout):
                raise AssertionError(f"no live Socket Mode connection within {timeout}s")
            link = live()[-1]
            envelope = Envelope(str(uuid.uuid4()), type, time.monotonic(), accepts_response_payload)
            self._envelopes[envelope.envelope_id] = envelope
        frame = {
            "envelope_id": envelope.envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        self._call(link.ws.send(json.dumps(frame)))
        return envelope.envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> tuple[dict[str, Any], float]:
        """The client's ack frame and how long after sending it came."""
        with self._state:
            envelope = self._envelopes[envelope_id]
            if not self._state.wait_for(lambda: envelope.ack is not None, timeout):
                raise AssertionError(f"envelope {envelope.type} not acked within {timeout}s")
            assert envelope.ack is not None and envelope.acked_at is not None
            return envelope.ack, envelope.acked_at - envelope.sent_at

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to go; like Slack, close them if they have not in 10 s."""
        with self._state:
            links = [link for link in self._links if link.live]
            for link in links:
                link.live = False
        frame = json.dumps(
            {**sample("socket_mode.disconnect_refresh_requested.json"), "reason": reason}
        )
        for link in links:
            self._call(link.ws.send(frame))
            self._later.append(
                asyncio.run_coroutine_threadsafe(self._close(link.ws, 10), self._loop)
            )

    def freeze(self) -> None:
        """Stop reading every connection, pings included: a socket that died without a FIN
        (a NAT or load balancer forgot it). Only the client's own pings can find out."""
        with self._state:
            links = [link for link in self._links if link.live]
            for link in links:
                link.live = False
        for link in links:
            self._loop.call_soon_threadsafe(link.ws.transport.pause_reading)

    def drop(self) -> None:
        """Cut every connection at the TCP level: no close frame, as when a Slack host dies."""
        with self._state:
            links = list(self._links)
        for link in links:
            self._loop.call_soon_threadsafe(link.ws.transport.abort)

    # --- serving ---------------------------------------------------------------------------
    def _call(self, coro: Any) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)
        except ConnectionClosed:
            return None

    @staticmethod
    async def _close(ws: ServerConnection, after: float) -> None:
        await asyncio.sleep(after)
        await ws.close()

    def _check_ticket(self, ws: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        ticket = (query.get("ticket") or [""])[0]
        with self._state:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
            if url.path == "/link/" and known and query.get("app_id") == [self.app_id]:
                return None
            self.errors.append(f"connection refused: path {url.path!r}, ticket known: {known}")
        return ws.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")

    async def _serve(self, ws: ServerConnection) -> None:
        link = Link(ws, time.monotonic())
        with self._state:
            self._links.append(link)
            self.opened += 1
            self.opened_at.append(link.opened_at)
            count = len(self._links)
            self._state.notify_all()
        hello = {**sample("socket_mode.hello.json"), "num_connections": count}
        hello["connection_info"] = {"app_id": self.app_id}
        try:
            await ws.send(json.dumps(hello))
            async for frame in ws:
                self._record(frame)
        except ConnectionClosed:
            pass
        finally:
            with self._state:
                self._links.remove(link)
                self._state.notify_all()

    def _record(self, frame: str | bytes) -> None:
        now = time.monotonic()
        try:
            ack = json.loads(frame)
            envelope_id = ack["envelope_id"]
        except (ValueError, TypeError, KeyError):
            with self._state:
                self.errors.append(f"not an ack: {str(frame)[:200]}")
            return
        with self._state:
            envelope = self._envelopes.get(envelope_id)
            if envelope is None:
                self.errors.append(f"ack for unknown envelope_id {envelope_id!r}")
            elif envelope.ack is not None:
                self.errors.append(f"second ack for {envelope.type} envelope {envelope_id}")
            else:
                envelope.ack, envelope.acked_at = ack, now
                if now - envelope.sent_at > ACK_DEADLINE:
                    self.errors.append(
                        f"{envelope.type} acked after {now - envelope.sent_at:.1f}s: "
                        "Slack had given up"
                    )
                if "payload" in ack and not envelope.accepts_response_payload:
                    self.errors.append(f"payload in the ack of a {envelope.type} envelope")
                problems = ack_problems(ack.get("payload"))
                if problems:
                    self.errors.append(f"Slack would refuse the ack's payload: {problems}")
            self._state.notify_all()
