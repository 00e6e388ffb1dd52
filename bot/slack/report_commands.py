"""`/fsync report` and `/fsync digest`: ask bot/alerts/digests.py, say the result
(bot/slack/report_views.py). Setting or stopping a digest is said in the channel too."""

from __future__ import annotations

from typing import assert_never

from bot.alerts.digests import Digests
from bot.core.command import DigestOff, ReportCommand, SetDigest, ShowDigest, ShowReport
from bot.slack import report_views as views
from bot.slack.request import Request


def report(digests: Digests, cmd: ShowReport, req: Request) -> None:
    found = digests.report(cmd.days)
    req.answer(views.report_message(found, f"fsync report, last {cmd.days} days"))


def set_digest(digests: Digests, cmd: SetDigest, req: Request) -> None:
    """Like subscribe: the line said in the channel first, so a channel fsync cannot post in
    (private, archived) is refused now rather than failing at the first digest."""
    digests.may_set(req.user, req.channel, cmd.schedule)
    posted = req.announce(views.digest_line(req.user, cmd.schedule))
    if posted.state == "refused":
        req.answer(views.digest_not_set(posted.error or "unknown_error"))
        return
    scheduled, next_at = digests.set(req.user, req.channel, cmd.schedule)
    req.answer(views.digest_set(scheduled, next_at))


def digest_off(digests: Digests, req: Request) -> None:
    removed = digests.off(req.user, req.channel)
    if not removed:
        req.answer(views.digest_off(False))
        return
    req.answer_and_announce(views.digest_off(True), views.digest_off_line(req.user))


def run(digests: Digests, cmd: ReportCommand, req: Request) -> None:
    match cmd:
        case ShowReport():
            report(digests, cmd, req)
        case ShowDigest():
            shown = digests.show(req.channel)
            req.answer(views.digest_shown(shown.scheduled, shown.next_at))
        case SetDigest():
            set_digest(digests, cmd, req)
        case DigestOff():
            digest_off(digests, req)
        case _:
            assert_never(cmd)
