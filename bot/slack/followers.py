"""Sync cards that follow their run: queued -> running -> succeeded / failed, updated in place.
A plan awaiting approval is not the end: the card keeps following it until it is applied,
discarded or expired.

One worker thread (bot/worker.py) polls every followed run; a card is updated only when what it
shows changes. It starts with the first run followed and is stopped (and joined) at shutdown.
With `requesters`, each run is remembered in SQLite: a restarted fsync follows it again
(`resume`), and its requester gets their DM when it ends (bot/slack/telling.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.requesters import Requesters, RunRequest
from bot.errors import FeatureUnavailable, RunNotFound, SyncAPIError
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from bot.slack.reply import to_response_url
from bot.slack.run_views import sync_card
from bot.slack.telling import phase_of, tell
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
    asked_in: str | None = None  # the channel the sync was asked for in


class RunFollower(Worker):
    def __init__(
        self,
        sync: SyncClient,
        web: WebClient,
        *,
        every: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        web_url: str | None = None,
        requesters: Requesters | None = None,
        protected: Callable[[str], bool] = lambda name: False,
    ) -> None:
        """`protected`: whether a workspace's plan buttons ask for confirmation (the Policy)."""
        super().__init__("run-follower")
        self.sync, self.web, self.every, self.clock = sync, web, every, clock
        self.web_url = web_url  # FSYNC_WEB_URL, for the cards' links
        self.requesters = requesters
        self.protected = protected
        self.first_wait = self.crash_wait = every  # a run just started: its first check waits
        self._runs: dict[str, Followed] = {}
        self._lock = threading.Lock()

    def follow(self, item: Followed) -> None:
        item.started = time.monotonic()
        item.shown = item.run.status
        try:
            self._remember(item)
            self._tell(item)
            if item.run.finished and self.requesters is not None:
                self.requesters.done(item.run.id)
        except Exception:  # the card is out: a database or Slack failure here must not undo that
            log.exception("could not remember run %s for its requester", item.run.id)
        if not item.run.finished:
            self._add(item)

    def _remember(self, item: Followed) -> None:
        if self.requesters is not None:
            r = RunRequest(
                item.run.id, item.workspace, item.requested_by, item.asked_in, item.channel, item.ts
            )
            self.requesters.remember(r)

    def _add(self, item: Followed) -> None:
        with self._lock:
            self._runs[item.run.id] = item
        if not self.stopping:  # a command answered during shutdown starts no new thread
            self.start()

    def resume(self) -> int:
        """Follow again the runs a stopped fsync was following; how many."""
        if self.requesters is None:
            return 0
        found = self.requesters.unfinished(timedelta(seconds=GIVE_UP_AFTER), self.clock())
        for r in found:
            # Status unknown: the first check shows the card as the run is now.
            run = Run(id=r.run_id, workspace=r.workspace, status="")
            item = Followed(r.workspace, r.user_id, run, r.channel, r.ts, asked_in=r.asked_in)
            item.started = time.monotonic()
            self._add(item)
        return len(found)

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
            self._done(item)
            return
        except SyncAPIError as exc:
            log.info("run %s not readable now: %s", item.run.id, exc.user_message)
            return
        if run.status != item.shown:
            item.run, item.shown = run, run.status
            self._show(item)
            self._tell(item)
        if run.finished or time.monotonic() - item.started > GIVE_UP_AFTER:
            self._done(item)

    def _done(self, item: Followed) -> None:
        self._drop(item)
        if self.requesters is not None:
            self.requesters.done(item.run.id)

    def _drop(self, item: Followed) -> None:
        with self._lock:
            self._runs.pop(item.run.id, None)

    def _tell(self, item: Followed) -> None:
        if self.requesters is not None and phase_of(item.run) is not None:
            tell(self.web, self.requesters, item, self.clock())

    def _show(self, item: Followed) -> None:
        payload: dict[str, Any] = sync_card(
            item.workspace,
            item.requested_by,
            item.run,
            self.clock(),
            web_url=self.web_url,
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
