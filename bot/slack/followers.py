"""Sync cards that follow their run: queued -> running -> succeeded / failed, updated in place.
A plan awaiting approval is not the end: the card keeps following it until it is applied,
discarded or expired.

One worker thread (bot/worker.py) polls every followed run; a card is updated only when what it
shows changes. It starts with the first run followed and is stopped (and joined) at shutdown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import FeatureUnavailable, RunNotFound, SyncAPIError
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from bot.slack.reply import to_response_url
from bot.slack.run_views import sync_card
from bot.times import utcnow
from bot.worker import Worker

log = logging.getLogger(__name__)
GIVE_UP_AFTER = 3600.0


@dataclass
class Followed:
    workspace: str
    requested_by: str
    run: Run
    channel: str | None = None
    ts: str | None = None
    response_url: str | None = None
    started: float = 0.0
    shown: str = ""


class RunFollower(Worker):
    def __init__(
        self,
        sync: SyncClient,
        web: WebClient,
        *,
        every: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        protected: Callable[[str], bool] = lambda name: False,
    ) -> None:
        """`protected`: whether a workspace's plan buttons ask for confirmation (the Policy)."""
        super().__init__("run-follower")
        self.sync, self.web, self.every, self.clock = sync, web, every, clock
        self.protected = protected
        self.first_wait = self.crash_wait = every  # a run just started: its first check waits
        self._runs: dict[str, Followed] = {}
        self._lock = threading.Lock()

    def follow(self, item: Followed) -> None:
        item.started = time.monotonic()
        item.shown = item.run.status
        if item.run.finished:
            return
        with self._lock:
            self._runs[item.run.id] = item
        if not self.stopping:  # a command answered during shutdown starts no new thread
            self.start()

    def iteration(self) -> float:
        with self._lock:
            items = list(self._runs.values())
        for item in items:
            try:
                self._check(item)
            except Exception:  # one broken card must not stop the others
                log.exception("following run %s failed", item.run.id)
        return self.every

    def _check(self, item: Followed) -> None:
        try:
            run = self.sync.get_run(item.run.id)
        except (FeatureUnavailable, RunNotFound):
            # Nothing more will be learnt about this run: the card keeps its last known state.
            self._drop(item)
            return
        except SyncAPIError as exc:
            log.info("run %s not readable now: %s", item.run.id, exc.user_message)
            return
        if run.status != item.shown:
            item.run, item.shown = run, run.status
            self._show(item)
        if run.finished or time.monotonic() - item.started > GIVE_UP_AFTER:
            self._drop(item)

    def _drop(self, item: Followed) -> None:
        with self._lock:
            self._runs.pop(item.run.id, None)

    def _show(self, item: Followed) -> None:
        payload: dict[str, Any] = sync_card(
            item.workspace,
            item.requested_by,
            item.run,
            self.clock(),
            protected=self.protected(item.workspace),
        )
        try:
            if item.channel and item.ts:
                self.web.chat_update(channel=item.channel, ts=item.ts, **payload)
            elif item.response_url:
                to_response_url(item.response_url, {**payload, "replace_original": True})
        except SlackApiError as exc:
            log.warning(
                "could not update the card of run %s: %s", item.run.id, exc.response.get("error")
            )

    @property
    def following(self) -> int:
        with self._lock:
            return len(self._runs)
