"""What fsync says about alerting itself: a channel that refuses alerts, a default channel that
is held, and the line `/fsync subscribe` posts. Pure functions, like the cards (alert_cards.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack.alert_lines import channel, notification_text
from bot.slack.blocks import code, esc, message, section, user

Message = dict[str, Any]


def channel_disabled(channel_id: str, error: str, admins: Sequence[str]) -> Message:
    who = ", ".join(user(a) for a in admins[:5]) or "Admins"
    text = (
        f":warning: fsync cannot post alerts in {channel(channel_id)}: Slack answers "
        f"{code(error)}. Its alert routes are turned off; the alerts are kept. {who}: invite "
        "fsync there (or move the routes), then run `/fsync subscribe` in that channel again."
    )
    return message(notification_text(text), [section(text)])


def default_channel_held(
    channel_id: str, error: str, admins: Sequence[str], recheck: float
) -> Message:
    who = ", ".join(user(a) for a in admins[:5]) or "Admins"
    minutes = max(1, round(recheck / 60))
    text = (
        f":warning: fsync cannot post alerts in the default channel {channel(channel_id)} "
        f"(FSYNC_ALERT_CHANNEL): Slack answers {code(error)}. The alerts are held, not lost: "
        f"fsync tries again every {minutes} min and sends them once the channel works. {who}: "
        "unarchive it or invite fsync there, or point FSYNC_ALERT_CHANNEL at another channel."
    )
    return message(notification_text(text), [section(text)])


def test_line(glob: str, events: Sequence[str], by: str) -> Message:
    what = ", ".join(esc(e) for e in events) if events else "all events"
    text = (
        f":white_check_mark: fsync will post alerts for {code(glob)} here ({what}). "
        f"Set up by {user(by)}; `/fsync unsubscribe {esc(glob)}` stops them."
    )
    return message(notification_text(text), [section(text)])
