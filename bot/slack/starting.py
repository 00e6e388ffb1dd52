"""Starting a sync from Slack (the `sync` subcommand, the Sync and Confirm buttons): trigger it,
post its card where it was asked for, and follow the run."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack import reply, run_views
from bot.slack.deps import Deps
from bot.slack.followers import Followed
from bot.slack.posting import Posted, post_once

log = logging.getLogger(__name__)


def start_sync(
    deps: Deps,
    client: WebClient,
    user: str,
    workspace: str,
    *,
    channel: str | None,
    response_url: str | None,
    confirmed: bool,
    thread_ts: str | None = None,
) -> Posted | None:
    """Trigger the sync, then post its card in the channel (in `thread_ts`'s thread, when the
    request came from a message there), or via response_url, and follow it."""
    run = deps.service.sync(user, workspace, confirmed=confirmed)
    card = run_views.sync_card(
        workspace,
        user,
        run,
        deps.clock(),
        web_url=deps.settings.web_url,
        protected=deps.policy.is_protected(workspace),
    )
    item = Followed(workspace, user, run, asked_in=channel) if run else None
    where = {"thread_ts": thread_ts} if thread_ts else {}
    posted = post_once(client, channel, {**card, **where}) if channel else None
    if posted is not None and posted.state == "refused":
        log.info("cannot post the sync card in %s (%s); answering in place", channel, posted.error)
    if posted is not None and posted.ts:
        if item:
            item.channel, item.ts = posted.channel, posted.ts
    elif response_url:
        # The card may be in the channel after all: a second copy goes to the requester only.
        kind = "ephemeral" if posted is not None and posted.state == "unknown" else "in_channel"
        reply.to_response_url(response_url, {**card, "response_type": kind})
        if item:
            item.response_url = response_url
    if item:
        deps.follower.follow(item)
    return posted
