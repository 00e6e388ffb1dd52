"""The demo session: simulator + fake Slack + the real Bolt app, driven from the terminal
(bot/console/loop.py reads the lines and calls the session).

What you type becomes a signed Slack request dispatched through the very App that `fsync-bot run`
serves; what the app sends to Slack is caught by the in-process fake Slack and drawn here.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from slack_bolt import BoltRequest

from bot import wiring
from bot.alerts import outbox
from bot.alerts.poller import Poller
from bot.app import build_app
from bot.console import payloads, simctl
from bot.console.forms import Forms
from bot.console.render import Renderer
from bot.console.screen import ALERTS, CHANNEL, Screen
from bot.console.simctl import Simulator
from bot.devslack import FakeSlack
from bot.settings import Settings

USERS = {"viewer": "UDEMOVIEW", "operator": "UDEMOOPER", "admin": "UDEMOADMN"}
FORM = "application/x-www-form-urlencoded"
MAX_WAIT = 120.0


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
            slack_bot_token=SecretStr("xoxb-demo"),
            slack_signing_secret=SecretStr(self.secret),
            slack_api_url=self.slack.api_url,
            firestartr_api_url=self.sim.url,
            firestartr_api_key=SecretStr(self.sim.key),
            db_path=db,
            poll_interval=poll_interval,
            alert_channel=ALERTS,
            admins=[USERS["admin"]],
            operators=[USERS["operator"]],
        )
        self.deps = wiring.build(settings, web=None)
        self.executor = CountingExecutor()
        self.app = build_app(self.deps, token_verification=False, executor=self.executor)
        self.deps.start_background()
        self.poller = next((w for w in self.deps.workers if isinstance(w, Poller)), None)
        self.render = Renderer(console)
        # Forms the app opened (views.open), filled in on the main thread: the only reader.
        self.waiting_forms: deque[dict[str, Any]] = deque()
        self.screen = Screen(self.render, self.slack, self.waiting_forms)
        self.forms = Forms(console, self.render, self.read, self._submit)
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

    # --- the one reader of the keyboard -----------------------------------------------------
    def read(self, prompt: str) -> str | None:
        """One line typed after `prompt` (shown as typed: never read as markup); None at the
        end of input."""
        if self.interactive:
            try:
                return self.console.input(prompt, markup=False)
            except (EOFError, KeyboardInterrupt):
                return None
        line = sys.stdin.readline()
        if not line:
            return None
        self.say(f"{prompt}{line.rstrip()}")
        return line

    def say(self, text: str, style: str | None = None) -> None:
        """Plain text: whatever brackets it holds are shown, never taken for markup."""
        self.console.print(text, style=style, markup=False, highlight=False)

    # --- talking to the app ---------------------------------------------------------------
    def _dispatch(self, body: str, content_type: str = FORM) -> dict[str, Any] | None:
        headers = payloads.signed_headers(self.secret, body, content_type)
        response = self.app.dispatch(BoltRequest(body=body, headers=dict(headers)))
        if response.status != 200:
            self.say(f"The app answered HTTP {response.status}.", style="red")
            return None
        if not response.body:
            return None
        try:
            return json.loads(response.body)
        except json.JSONDecodeError:
            return {"text": response.body}

    def _submit(self, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any] | None:
        return self._dispatch(payloads.view_submission(view, values, user=self.user))

    def _response_url(self) -> str:
        self._count += 1
        return self.slack.response_url(f"demo-{self._count}")

    def command(self, text: str) -> None:
        url = self._response_url()
        body = payloads.slash_command(text, user=self.user, channel=CHANNEL, response_url=url)
        answer = self._dispatch(body)
        if answer:
            self.screen.reply(answer, url)

    def click(self, number: int) -> None:
        button = self.render.buttons.get(number)
        if button is None:
            self.say(f"There is no button [{number}] on screen.", style="yellow")
            return
        if button.confirm:
            title = button.confirm.get("title", {}).get("text", "Are you sure?")
            text = button.confirm.get("text", {}).get("text", "")
            self.console.print(f"{title} {text}".strip(), style="bold", markup=False)
            answer = self.read("Confirm? [y/N] ")
            if answer is None or answer.strip().lower() not in ("y", "yes"):
                self.say("Cancelled.")
                return
        source = dict(button.source)
        if source.get("kind") == "ephemeral":
            source["response_url"] = self._response_url()
        body = payloads.block_action(button.action_id, button.value, user=self.user, source=source)
        self._dispatch(body)

    def home(self) -> None:
        self._dispatch(payloads.home_opened(self.user), "application/json")

    # --- the simulator ----------------------------------------------------------------------
    def sim_command(self, words: list[str]) -> None:
        done, said = simctl.run_verb(self.sim, words, self.one_poll)
        self.say(f"simulator: {said}" if done else said, style="dim" if done else "yellow")

    @contextmanager
    def one_poll(self) -> Iterator[None]:
        """No alert poll while inside: what is changed meanwhile is seen by a single poll."""
        if self.poller is None:
            yield
            return
        with self.poller.held():
            yield

    def pump(self) -> int:
        with self._lock:
            with self.slack.lock:
                calls = self.slack.calls[self._seen :]
                self._seen += len(calls)
            for call in calls:
                self.screen.call(call)
            return len(calls)

    def _pump_forever(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.pump()
            except Exception as exc:  # never let drawing kill the session
                self.say(f"could not draw a message: {exc}", style="red")

    def first_poll_delivered(self) -> bool:
        """The poller has listed the fleet once and every alert it queued has left."""
        poller = self.poller
        return poller is not None and poller.polls > 0 and not outbox.unsent(self.deps.store.db)

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

    def fill_forms(self) -> None:
        """Each form the app opened, one after the other: it has the keyboard until done."""
        while self.waiting_forms:
            self.forms.fill(self.waiting_forms.popleft())
            self.settle()

    def wait(self, words: list[str]) -> None:
        try:
            seconds = float(words[0]) if len(words) == 1 else -1.0
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < float("inf"):
            self.say(
                f"wait takes a number of seconds, e.g. wait 5 (at most {MAX_WAIT:.0f}).",
                style="yellow",
            )
            return
        if seconds > MAX_WAIT:
            self.say(f"Waiting {MAX_WAIT:.0f} seconds, the most wait takes.", style="yellow")
        end = time.monotonic() + min(seconds, MAX_WAIT)
        while time.monotonic() < end:
            self.pump()
            time.sleep(0.1)
