"""The alerts service: routes and mutes, read and changed for a person; returns data, no Slack.

Changes need the operator role, and a mute that reaches a protected workspace or the whole fleet
the admin role (checked, and refusals audited, by `FsyncService.require`); each change is audited
here once. Listing is for all. The Slack edge (bot/slack/alert_commands.py) says the results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from bot.alerts import route_repo
from bot.alerts.model import Mute, Route
from bot.core.authz import Role, RoleAction
from bot.core.events import EVENT_TYPES
from bot.core.service import FsyncService
from bot.errors import UsageError
from bot.firestartr.names import did_you_mean
from bot.store import Store


@dataclass(frozen=True)
class Subscribed:
    events: tuple[str, ...]
    existed: bool  # the channel had a route for this pattern already
    names: list[str]  # today's workspaces the pattern covers
    hint: str  # "did you mean" when it covers none


@dataclass(frozen=True)
class Muted:
    mute: Mute
    matching: list[str]
    now: datetime
    hint: str


@dataclass(frozen=True)
class Listing:
    routes: list[Route]
    disabled: dict[str, str]
    mutes: list[Mute]  # the active ones
    now: datetime
    everywhere: bool  # an admin sees every channel's routes


class AlertsService:
    def __init__(
        self,
        store: Store,
        service: FsyncService,
        *,
        default_channel: str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.service = store, service
        self.default_channel, self.clock = default_channel, clock

    # --- routes --------------------------------------------------------------------------------
    def may_subscribe(
        self, user: str, channel: str, glob: str, events: Sequence[str]
    ) -> tuple[str, ...]:
        """Refuses (UsageError) a person who may not subscribe; else the event kinds the route
        will carry (subscribing again adds kinds), for the channel's test line."""
        self.service.require(user, RoleAction.SUBSCRIBE, args=_route_args(channel, glob, events))
        return route_repo.widened(route_repo.route_events(self.store.db, channel, glob), events)

    def subscribe_refused(
        self, user: str, channel: str, glob: str, events: Sequence[str], problem: str
    ) -> None:
        """Slack would not take the test line: audited, and said as a UsageError."""
        self._audit(
            user, RoleAction.SUBSCRIBE, _route_args(channel, glob, events), "error", problem
        )
        raise UsageError(problem)

    def subscribe(self, user: str, channel: str, glob: str, events: Sequence[str]) -> Subscribed:
        with self.store.transaction() as db:
            existed = route_repo.route_events(db, channel, glob) is not None
            carried = route_repo.add_route(db, channel, glob, events, user)
        self._audit(user, RoleAction.SUBSCRIBE, _route_args(channel, glob, events), "ok")
        fleet = self.service.fleet_names()
        names = [name for name in fleet if fnmatchcase(name, glob)]
        return Subscribed(carried, existed, names, "" if names else did_you_mean(glob, fleet))

    def unsubscribe(
        self, user: str, channel: str, glob: str, events: Sequence[str]
    ) -> tuple[str, ...]:
        """The event kinds the route still carries (none when it is gone)."""
        args = _route_args(channel, glob, events)
        self.service.require(user, RoleAction.UNSUBSCRIBE, args=args)
        with self.store.transaction() as db:
            left = route_repo.remove_route(db, channel, glob, events, EVENT_TYPES)
        if left is None:
            which = f" with {', '.join(events)} alerts" if events else ""
            raise UsageError(
                f"This channel has no subscription for `{glob}`{which}. "
                "`/fsync subscriptions` lists the ones it has."
            )
        self._audit(user, RoleAction.UNSUBSCRIBE, args, "ok")
        return left

    def listing(self, user: str | None = None, channel: str | None = None) -> Listing:
        """Routes (an admin's, or no user's: every channel's; else `channel`'s) and active mutes."""
        everywhere = user is None or self.service.role(user) is Role.ADMIN
        db = self.store.db
        now = self.clock()
        routes = route_repo.routes(db, self.default_channel)
        if not everywhere:
            routes = [r for r in routes if r.channel == channel]
        return Listing(
            routes, route_repo.disabled_channels(db), self.active_mutes(now), now, everywhere
        )

    # --- mutes ---------------------------------------------------------------------------------
    def active_mutes(self, now: datetime) -> list[Mute]:
        return [m for m in route_repo.mutes(self.store.db) if m.until > now]

    def mute(self, user: str, glob: str, seconds: int, reason: str) -> Muted:
        args = {"glob": glob, "seconds": seconds, "reason": reason}
        fleet = self.service.fleet_names()
        self.service.require(user, RoleAction.MUTE, glob, args, fleet=fleet)
        now = self.clock()
        until = now + timedelta(seconds=seconds)
        with self.store.transaction() as db:
            route_repo.add_mute(db, glob, until, reason, user)
        self._audit(user, RoleAction.MUTE, args, "ok")
        matching = [name for name in fleet if fnmatchcase(name, glob)]
        hint = "" if matching else did_you_mean(glob, fleet)
        return Muted(Mute(glob, until, reason, user), matching, now, hint)

    def unmute(self, user: str, glob: str) -> None:
        fleet = self.service.fleet_names()
        self.service.require(user, RoleAction.UNMUTE, glob, {"glob": glob}, fleet=fleet)
        now = self.clock()
        with self.store.transaction() as db:
            ended = route_repo.end_mute(db, glob, now)
        if not ended:
            active = [f"`{m.glob}`" for m in self.active_mutes(now)]
            known = f" Active mutes: {', '.join(active)}." if active else " Nothing is muted."
            raise UsageError(f"There is no active mute on `{glob}`.{known}")
        self._audit(user, RoleAction.UNMUTE, {"glob": glob}, "ok")

    def mutes_by_workspace(self) -> tuple[dict[str, Mute], datetime]:
        """Known workspaces under an active mute (the first that matches), and now."""
        now = self.clock()
        active = self.active_mutes(now)
        fleet = self.service.cached_fleet() if active else None
        if fleet is None:
            return {}, now
        found = {}
        for ws in fleet.workspaces:
            for mute in active:
                if mute.matches(ws.name):
                    found[ws.name] = mute
                    break
        return found, now

    def retry_default_channel(self) -> None:
        """A restart is the moment someone may have fixed the default channel: try it again."""
        if self.default_channel:
            with self.store.transaction() as db:
                route_repo.enable_channel(db, self.default_channel)

    def _audit(
        self, user: str, action: RoleAction, args: dict[str, Any], outcome: str, detail: str = ""
    ) -> None:
        self.store.audit(
            user_id=user, action=action, workspace=None, args=args, outcome=outcome, detail=detail
        )


def _route_args(channel: str, glob: str, events: Sequence[str]) -> dict[str, Any]:
    return {"channel": channel, "glob": glob, "events": list(events)}
