"""`install(deps)`: plug the alerts into a running fsync (workers, commands, status, App Home)."""

from __future__ import annotations

import time
from typing import Any

from bot.alerts import commands, panels, repo
from bot.alerts.lease import Lease
from bot.alerts.poller import Poller
from bot.alerts.sender import Sender, sender_client
from bot.runtime import Deps


def lease_ttl(poll_interval: float) -> float:
    """Short enough that a successor takes over quickly, long enough to ride out a slow disk."""
    return min(30.0, max(4.0, 4 * min(poll_interval, 5.0)))


def install(deps: Deps) -> None:
    settings = deps.settings
    lease = Lease(deps.store, lease_ttl(settings.poll_interval))
    sender = Sender(
        deps.store,
        sender_client(deps.web.token, deps.web.base_url),
        lease,
        default_channel=settings.alert_channel,
        admins=sorted(deps.policy.admins),
        metrics=deps.metrics,
    )
    poller = Poller(
        deps,
        lease,
        interval=settings.poll_interval,
        on_queued=sender.wake.set,
        metrics=deps.metrics,
    )
    deps.metrics.watch_lease(lease.held)
    deps.metrics.watch_outbox(lambda: repo.backlog(deps.store.db, time.time()))
    # Stopped in this order: no new alerts, then no sending, then the lease is handed over.
    deps.workers += [poller, sender, lease]
    deps.extra_commands.update(commands.HANDLERS)
    deps.mutes_by_workspace = lambda: mutes_by_workspace(deps)
    deps.home_extras = lambda: home_extras(deps)
    if settings.alert_channel:
        # A restart is the moment someone may have fixed the default channel: try it again.
        with deps.store.transaction() as db:
            db.execute("DELETE FROM alert_channels WHERE channel = ?", [settings.alert_channel])


def mutes_by_workspace(deps: Deps) -> dict[str, str]:
    now = deps.clock()
    active = [m for m in repo.mutes(deps.store.db) if m.until > now]
    fleet = deps.service.cached_fleet() if active else None
    if fleet is None:
        return {}
    found = {}
    for ws in fleet.workspaces:
        for mute in active:
            if mute.matches(ws.name):
                found[ws.name] = panels.mute_label(mute, now)
                break
    return found


def home_extras(deps: Deps) -> list[dict[str, Any]]:
    db = deps.store.db
    now = deps.clock()
    active = [m for m in repo.mutes(db) if m.until > now]
    routes = repo.routes(db, deps.settings.alert_channel)
    return panels.home_blocks(routes, repo.disabled_channels(db), active, now)
