"""Sync cards that follow their run: queued -> running -> succeeded / failed, updated in place.

One daemon thread polls every followed run; a card is updated only when what it shows changes.
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
from bot.slack.views import sync_card
from bot.store import utcnow

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


class RunFollower:
    def __init__(
        self,
        sync: SyncClient,
        web: WebClient,
        *,
        every: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sync, self.web, self.every, self.clock = sync, web, every, clock
        self._runs: dict[str, Followed] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="run-follower", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def follow(self, item: Followed) -> None:
        item.started = time.monotonic()
        item.shown = item.run.status
        if item.run.finished:
            return
        with self._lock:
            self._runs[item.run.id] = item
        self.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                items = list(self._runs.values())
            for item in items:
                try:
                    self._check(item)
                except Exception:  # one broken card must not stop the others
                    log.exception("following run %s failed", item.run.id)

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
            item.workspace, item.requested_by, item.run, self.clock()
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
