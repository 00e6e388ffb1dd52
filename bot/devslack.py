"""A stand-in Slack on loopback for the demo console and the tests: the Web API
(`SLACK_API_URL=<url>/api/`) and response_url endpoints.

It records every call, validates every message and view with `bot.slack.blockkit` (Slack's Block
Kit rules plus slack_sdk's checks) and refuses an invalid one as Slack does: the Web API answers
`{"ok": false, "error": "invalid_blocks", "errors": [...]}`, a response_url answers HTTP 400 with
the body `invalid_blocks`. It keeps posted messages so updates and thread replies can be
checked, and can be told to fail: Slack errors, 429 with Retry-After, 5xx.
File uploads (`files_upload_v2`'s three steps) are held to Slack's rules in bot/devslack_files.py;
a completed upload is a file share message in its channel, its bytes kept for `files_in`.
`apps.connections.open` answers with a URL from `socket_mode` (a Socket Mode server), if given.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from bot import devslack_calls as calls
from bot import devslack_files as files


class _Server(ThreadingHTTPServer):
    # http.server listens with a backlog of 5: a burst of 50 answers would be reset, not queued.
    request_queue_size = 256


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    auth: str = ""


@dataclass
class Failure:
    method: str
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1
    channel: str | None = None


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    # Slack allows about one message per second per channel; 0 disables the check.
    post_interval: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    # Mints the WebSocket URL `apps.connections.open` answers (tests/support/socketmode.py).
    socket_mode: Callable[[], str] | None = None

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self._server: ThreadingHTTPServer | None = None
        self.files = files.Files()

    # --- control ---------------------------------------------------------------------------
    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path.startswith(files.UPLOAD_PATH):  # a file's bytes, not a call
                    self._send(*fake._upload(self.path, body, self.headers))
                    return
                self._send(*fake._handle(self.path, body.decode(), self.headers))

            def do_GET(self) -> None:
                # Slack's read methods take their arguments in the query string too (slack_sdk
                # sends chat.getPermalink as a GET).
                path, _, query = self.path.partition("?")
                self._send(*fake._handle(path, query, self.headers))

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                kind = "text/plain" if isinstance(body, bytes) else "application/json"
                self.send_header("Content-Type", kind)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}/response/{name}"

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        with self.lock:
            self.failures.append(Failure(method, status, error, retry_after, times, channel))

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.invalid.clear()
            self.messages.clear()
            self.failures.clear()
            self._last_post.clear()
        self.files.reset()

    # --- reading ---------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(
        self, method: str, predicate: Any = None, *, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.of(method) if predicate is None or predicate(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, str(c.args)[:300]) for c in self.calls[-15:]]
                raise AssertionError(f"no {count}x {method} within {timeout}s; last calls: {seen}")
            time.sleep(0.02)

    def posts_in(self, channel: str) -> list[Call]:
        """The chat.postMessage calls made to `channel` (not the DMs to people, say)."""
        return [c for c in self.of("chat.postMessage") if c.args.get("channel") == channel]

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages in `channel` (a person's ID: the app's DM with them)."""
        if calls.is_user_id(channel):
            channel = calls.dm_channel(channel)
        with self.lock:
            return [m for (ch, _), m in self.messages.items() if ch == channel]

    def files_in(self, channel: str) -> list[files.Upload]:
        """The files shared in `channel` through completeUploadExternal, with their bytes."""
        return self.files.shared_in(channel)

    def everything_sent(self) -> str:
        with self.lock:
            return "\n".join(json.dumps(c.args, default=str) + c.auth for c in self.calls)

    # --- serving ---------------------------------------------------------------------------
    def _handle(self, path: str, raw: str, headers: Any) -> tuple[int, Any, dict[str, str]]:
        args = calls.decode(raw, headers.get("Content-Type", ""))
        method = path.split("/api/", 1)[1] if "/api/" in path else "response_url"
        method = method.split("?")[0]
        call = Call(method, args, time.time(), headers.get("Authorization", ""))
        if method == "response_url":
            call.args["_path"] = path
        with self.lock:
            self.calls.append(call)
            failure = self._take_failure(method, args)
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            if failure.status != 200:
                return failure.status, {"ok": False, "error": failure.error or "ratelimited"}, extra
            return 200, {"ok": False, "error": failure.error}, extra
        refused = calls.refusal(method, args)
        if refused is not None:
            error, problems = refused
            with self.lock:
                self.invalid.append(f"{method}: {error}: {'; '.join(problems)}")
            if method == "response_url":
                # A response_url (like an incoming webhook) answers in plain text, not JSON.
                return 400, error.encode(), {}
            messages = [f"[ERROR] {p}" for p in problems]
            body = {"ok": False, "error": error, "errors": problems}
            return 200, {**body, "response_metadata": {"messages": messages}}, {}
        if method == "apps.connections.open":
            return calls.open_connection(call.auth, self.socket_mode)
        return self._answer(method, args)

    def _upload(self, path: str, body: bytes, headers: Any) -> tuple[int, Any, dict[str, str]]:
        """A POST to an upload URL, recorded as `upload_url` (its size, never its bytes)."""
        call = Call("upload_url", {"_path": path, "length": len(body)}, time.time())
        with self.lock:
            self.calls.append(call)
            failure = self._take_failure("upload_url", {})
        if failure is not None:
            return failure.status, (failure.error or "failed").encode(), {}
        return self.files.receive(path, body, headers.get("Content-Type", ""))

    def _take_failure(self, method: str, args: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if (
                failure.method in (method, "*")
                and failure.times > 0
                and (failure.channel is None or failure.channel == args.get("channel"))
            ):
                failure.times -= 1
                return failure
        return None

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if method == "chat.getPermalink":
            with self.lock:
                known = (args.get("channel"), args.get("message_ts")) in self.messages
            return calls.permalink(args, known)
        if method == "files.getUploadURLExternal":
            return self.files.ask(args, self.url)
        if method == "files.completeUploadExternal":
            return self._share(args)
        if method not in ("chat.postMessage", "chat.update"):
            return calls.fixed_answer(method, args)
        channel = str(args.get("channel", ""))
        if calls.is_user_id(channel):
            # Slack posts to a person's ID in the app's DM with them, and answers with that DM's
            # own ID, the one to update it with: an update to the person's ID is not found.
            if method == "chat.update":
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            channel = calls.dm_channel(channel)
        if method == "chat.postMessage":
            now = time.monotonic()
            with self.lock:
                last = self._last_post.get(channel)
                if self.post_interval and last is not None and now - last < self.post_interval:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                self._last_post[channel] = now
                ts = f"1700000000.{next(self._ts):06d}"
        else:
            ts = str(args.get("ts", ""))
            with self.lock:
                if (channel, ts) not in self.messages:
                    return 200, {"ok": False, "error": "message_not_found"}, {}
        with self.lock:
            previous = self.messages.get((channel, ts), {})
            self.messages[(channel, ts)] = {
                **previous,
                **args,
                "ts": ts,
                "updates": previous.get("updates", -1) + 1,
            }
        return (
            200,
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": args.get("text"), "ts": ts},
            },
            {},
        )

    def _share(self, args: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """files.completeUploadExternal: the files shared in each channel as one message."""
        answer, shared, channels = self.files.complete(args)
        for channel in channels:
            with self.lock:
                ts = f"1700000000.{next(self._ts):06d}"
                self.messages[(channel, ts)] = {
                    "channel": channel,
                    "ts": ts,
                    "text": args.get("initial_comment") or "",
                    "files": [upload.describe() for upload in shared],
                    "upload": True,
                    "thread_ts": args.get("thread_ts"),
                    "updates": 0,
                }
        return answer
