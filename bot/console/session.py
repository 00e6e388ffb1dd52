"""The demo session: simulator + fake Slack + the real Bolt app, driven from the terminal.

What you type becomes a signed Slack request dispatched through the very App that `fsync-bot run`
serves; what the app sends to Slack is caught by the in-process fake Slack and drawn here.
"""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from slack_bolt import BoltRequest

from bot.alerts import repo
from bot.alerts.poller import Poller
from bot.app import build_app
from bot.console import payloads
from bot.console.render import Renderer
from bot.devslack import Call, FakeSlack
from bot.runtime import Deps
from bot.settings import Settings

USERS = {"viewer": "UDEMOVIEW", "operator": "UDEMOOPER", "admin": "UDEMOADMN"}
CHANNEL, ALERTS = "CDEMO0001", "CALERTS01"
NAMES = {CHANNEL: "#demo", ALERTS: "#fsync-alerts"}
FORM = "application/x-www-form-urlencoded"
HELP = """[bold]In this demo you type what you would type in Slack:[/bold]
  /fsync help | status [ws] | sync <ws> | config [...] | conflicts [ws] | audit | subscribe ...
  click N         press button [N] (or: click Edit config, the newest button so named);
                  confirmation dialogs and forms are asked here
  home            open the App Home tab
  sim fail <ws>   make a workspace fail      sim conflict <ws>  open a conflict
  sim recover <ws>  bring it back            sim down | sim up  the whole Sync API
  wait N          let N seconds pass (alerts appear as they happen)
  help            this list                  quit (or Ctrl-D)   leave"""


class Simulator:
    """`fsync-bot simulator` on a free loopback port, for the demo's lifetime."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "simulator", "--port", "0", "--api-key", key],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise RuntimeError("the simulator did not start")
        self.url = line.rsplit(" ", 1)[1].strip()
        self.http = httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {key}"}
        )

    def control(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.http.request(method, path, json=body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class CountingExecutor(ThreadPoolExecutor):
    """The listener pool, counting work in flight so piped sessions know when replies are in."""

    def __init__(self) -> None:
        super().__init__(16, thread_name_prefix="listener")
        self.active = 0
        self._count_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            self.active += 1

        def counted() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._count_lock:
                    self.active -= 1

        return super().submit(counted)


class Demo:
    def __init__(
        self, console: Console, *, db: Path, role: str, interactive: bool, poll_interval: float
    ) -> None:
        self.console, self.interactive = console, interactive
        self.user = USERS[role]
        self.secret = secrets.token_hex(16)
        self.sim = Simulator(key=secrets.token_hex(8))
        self.slack = FakeSlack().start()
        settings = Settings(
            slack_bot_token="xoxb-demo",
            slack_signing_secret=self.secret,
            slack_api_url=self.slack.api_url,
            firestartr_api_url=self.sim.url,
            firestartr_api_key=self.sim.key,
            db_path=db,
            poll_interval=poll_interval,
            alert_channel=ALERTS,
            admins=[USERS["admin"]],
            operators=[USERS["operator"]],
        )
        self.deps = Deps.build(settings, web=None)
        self.executor = CountingExecutor()
        self.app = build_app(self.deps, token_verification=False, executor=self.executor)
        self.deps.start_background()
        self.poller = next((w for w in self.deps.workers if isinstance(w, Poller)), None)
        self.render = Renderer(console)
        self._seen = 0
        self._lock = threading.Lock()
        self._count = 0
        self._stop = threading.Event()
        if interactive:
            threading.Thread(target=self._pump_forever, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.deps.stop_background()
        self.sim.stop()
        self.slack.stop()

    # --- talking to the app ---------------------------------------------------------------
    def _dispatch(self, body: str, content_type: str = FORM) -> dict[str, Any] | None:
        headers = payloads.signed_headers(self.secret, body, content_type)
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if response.status != 200:
            self.console.print(f"[red]The app answered HTTP {response.status}.[/red]")
            return None
        if not response.body:
            return None
        try:
            return json.loads(response.body)
        except json.JSONDecodeError:
            return {"text": response.body}

    def _response_url(self) -> str:
        self._count += 1
        return self.slack.response_url(f"demo-{self._count}")

    def command(self, text: str) -> None:
        url = self._response_url()
        body = payloads.slash_command(text, user=self.user, channel=CHANNEL, response_url=url)
        answer = self._dispatch(body)
        if answer:
            self._show_reply(answer, url)

    def click(self, number: int) -> None:
        button = self.render.buttons.get(number)
        if button is None:
            self.console.print(f"[yellow]There is no button [{number}] on screen.[/yellow]")
            return
        if button.confirm:
            title = button.confirm.get("title", {}).get("text", "Are you sure?")
            text = button.confirm.get("text", {}).get("text", "")
            self.console.print(f"[bold]{escape(title)}[/bold] {escape(text)}")
            if self.ask("Confirm? [y/N] ").strip().lower() not in ("y", "yes"):
                self.console.print("Cancelled.")
                return
        source = dict(button.source)
        if source.get("kind") == "ephemeral":
            source["response_url"] = self._response_url()
        body = payloads.block_action(button.action_id, button.value, user=self.user, source=source)
        self._dispatch(body)

    def home(self) -> None:
        self._dispatch(payloads.home_opened(self.user), "application/json")

    # --- the simulator ----------------------------------------------------------------------
    def sim_command(self, args: list[str]) -> None:
        verb, name = [*args, "", ""][:2]
        if verb == "fail" and name:
            path, body = (
                f"/_sim/workspaces/{name}/state",
                {
                    "status": "failed",
                    "message": "Error: creating EC2 Instance: "
                    "UnauthorizedOperation: You are not authorized to perform this operation.",
                },
            )
        elif verb == "conflict" and name:
            path, body = f"/_sim/workspaces/{name}/state", {"status": "conflict"}
        elif verb == "recover" and name:
            path, body = f"/_sim/workspaces/{name}/state", {"status": "success"}
        elif verb == "down":
            path, body = "/_sim/faults", {"error_rate": 1.0, "error_status": 503}
        elif verb == "up":
            path, body = "/_sim/faults", {}
        else:
            self.console.print("Usage: sim fail|conflict|recover <workspace>, sim down, sim up")
            return
        answer = self.sim.control("POST", path, body)
        if answer.status_code >= 400:
            self.console.print(f"[yellow]The simulator said: {answer.text[:200]}[/yellow]")
        else:
            self.console.print(f"[dim]simulator: {verb} {name}".rstrip() + "[/dim]")

    # --- showing what Slack got -------------------------------------------------------------
    def _show_reply(self, payload: dict[str, Any], url: str) -> None:
        visible = payload.get("response_type") == "in_channel"
        title = NAMES[CHANNEL] if visible else "only you can see this"
        kind = "in_channel" if visible else "ephemeral"
        self.render.show(
            title,
            payload,
            {"kind": kind, "channel": CHANNEL, "response_url": url},
            style="green" if visible else "blue",
        )

    def _show_call(self, call: Call) -> None:
        args = call.args
        channel = str(args.get("channel", ""))
        where = NAMES.get(channel, "#" + channel if channel else "")
        if call.method == "response_url":
            self._show_reply(args, str(args.get("_path", "")))
        elif call.method == "chat.postMessage":
            title = f"{where} · thread reply" if args.get("thread_ts") else where
            if channel.startswith("U"):
                title = "direct message from fsync"
            ts = self._ts_of(call)
            self.render.show(
                title,
                args,
                {
                    "kind": "message",
                    "channel": channel,
                    "ts": ts,
                    "text": args.get("text", ""),
                    "blocks": args.get("blocks") or [],
                },
                style="magenta" if channel == ALERTS else "green",
            )
        elif call.method == "chat.update":
            self.render.show(
                f"{where} · card updated in place",
                args,
                {
                    "kind": "message",
                    "channel": channel,
                    "ts": args.get("ts"),
                    "text": args.get("text", ""),
                    "blocks": args.get("blocks") or [],
                },
                style="yellow",
            )
        elif call.method == "chat.postEphemeral":
            self.render.show(
                "only you can see this", args, {"kind": "ephemeral", "channel": channel}
            )
        elif call.method == "views.publish":
            view = args.get("view") or {}
            self.render.show(
                "App Home", view, {"kind": "home", "blocks": view.get("blocks")}, style="cyan"
            )
        elif call.method == "views.open":
            self._fill_modal(args.get("view") or {})

    def _ts_of(self, call: Call) -> str:
        with self.slack.lock:
            for (channel, ts), message in self.slack.messages.items():
                if channel == call.args.get("channel") and message.get("text") == call.args.get(
                    "text"
                ):
                    found = ts
            return locals().get("found", "")

    def pump(self) -> int:
        with self._lock:
            with self.slack.lock:
                calls = self.slack.calls[self._seen :]
                self._seen += len(calls)
            for call in calls:
                self._show_call(call)
            return len(calls)

    def _pump_forever(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.pump()
            except Exception as exc:  # never let drawing kill the session
                self.console.print(f"[red]could not draw a message: {exc}[/red]")

    def first_poll_delivered(self) -> bool:
        """The poller has listed the fleet once and every alert it queued has left."""
        poller = self.poller
        return poller is not None and poller.polls > 0 and not repo.unsent(self.deps.store.db)

    def settle(
        self, quiet: float = 0.4, limit: float = 30.0, until: Callable[[], bool] | None = None
    ) -> None:
        """Wait until the app has been silent for `quiet` seconds (piped mode: stable output),
        and `until()` holds when given."""
        deadline = time.monotonic() + limit
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            if self.pump() or self.executor.active or (until is not None and not until()):
                last_change = time.monotonic()
            elif time.monotonic() - last_change >= quiet:
                return
            time.sleep(0.05)

    # --- modals -------------------------------------------------------------------------------
    def _fill_modal(self, view: dict[str, Any]) -> None:
        while view:
            self.render.show(
                f"Form: {view.get('title', {}).get('text', '')}",
                view,
                {"kind": "modal"},
                style="cyan",
            )
            values: dict[str, Any] = {}
            for block in view.get("blocks", []):
                if block.get("type") != "input":
                    continue
                values[block["block_id"]] = self._ask_input(block)
            if not any(b.get("type") == "input" for b in view.get("blocks", [])):
                if self.ask("Submit? [y/N] ").strip().lower() not in ("y", "yes"):
                    self.console.print("Cancelled.")
                    return
            answer = self._dispatch(payloads.view_submission(view, values, user=self.user))
            if answer and answer.get("response_action") == "errors":
                for message in answer.get("errors", {}).values():
                    self.console.print(f"[red]{message}[/red]")
                continue
            view = (
                answer.get("view") if answer and answer.get("response_action") == "update" else {}
            )

    def _ask_input(self, block: dict[str, Any]) -> dict[str, Any]:
        element, label = block["element"], block.get("label", {}).get("text", "")
        action_id = element.get("action_id", block["block_id"])
        if element["type"] == "static_select":
            options = element.get("options", [])
            current = (element.get("initial_option") or {}).get("value", "")
            choices = "/".join(o["value"] for o in options)
            raw = self.ask(f"{label} [{choices}] ({current or 'unchanged'}): ").strip().lower()
            picked = next((o for o in options if o["value"] == (raw or current)), None)
            return {action_id: {"type": "static_select", "selected_option": picked}}
        current = element.get("initial_value", "")
        raw = self.ask(f"{label} ({current}): ").strip()
        return {action_id: {"type": "plain_text_input", "value": raw or current}}

    def ask(self, prompt: str) -> str:
        if self.interactive:
            return self.console.input(prompt)
        line = sys.stdin.readline()
        self.console.print(escape(f"{prompt}{line.rstrip()}"))
        return line


def handle(demo: Demo, line: str) -> bool:
    """Run one line; False when the session should end."""
    words = line.strip().split()
    if not words:
        return True
    head = words[0].lower()
    if head in ("quit", "exit"):
        return False
    if head == "help":
        demo.console.print(HELP)
    elif head.startswith("/fsync") or head == "fsync":
        demo.command(line.strip().split(maxsplit=1)[1] if len(words) > 1 else "")
    elif head == "click" and len(words) == 2 and words[1].isdigit():
        demo.click(int(words[1]))
    elif head == "click" and len(words) > 1:
        number = demo.render.find(line.strip().split(maxsplit=1)[1])
        if number is None:
            demo.console.print("[yellow]No button with that label on screen.[/yellow]")
        else:
            demo.click(number)
    elif head == "home":
        demo.home()
    elif head == "sim":
        demo.sim_command(words[1:])
    elif head == "wait" and len(words) == 2:
        try:
            seconds = min(float(words[1]), 120.0)
        except ValueError:
            seconds = 0.0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            demo.pump()
            time.sleep(0.1)
    else:
        demo.console.print(f"[yellow]Not understood: {line.strip()[:60]!r}. Type help.[/yellow]")
    return True


def run_demo(db: str | None = None, role: str = "admin", poll_interval: float = 5.0) -> int:
    interactive = sys.stdin.isatty()
    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="fsync-demo-") as tmp:
        path = Path(db) if db else Path(tmp) / "fsync.db"
        # The bot's log would drown the conversation: it goes to a file, errors included.
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(logging.FileHandler(Path(tmp) / "fsync-demo.log"))
        console.print(
            f"[bold]fsync demo[/bold]: simulated Sync API, fake Slack, you are "
            f"[bold]{role}[/bold]. Type [bold]help[/bold], or try /fsync status."
        )
        demo = Demo(
            console, db=path, role=role, interactive=interactive, poll_interval=poll_interval
        )
        if not interactive:
            # The first poll's alerts, before the first command.
            demo.settle(limit=10.0, until=demo.first_poll_delivered)
        try:
            while True:
                try:
                    line = console.input("[bold]> [/bold]") if interactive else sys.stdin.readline()
                except (EOFError, KeyboardInterrupt):
                    break
                if not interactive:
                    if not line:
                        break
                    console.print(f"> {line.rstrip()}")
                if not handle(demo, line):
                    break
                if not interactive:
                    demo.settle()
        finally:
            demo.close()
    console.print("bye")
    return 0
