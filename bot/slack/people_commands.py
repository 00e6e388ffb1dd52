"""`/fsync owners` and `/fsync notify`: the Slack side of owners (bot/core/owners.py) and of the
requester's DM setting (bot/core/requesters.py). Answers are for the person who asked only."""

from __future__ import annotations

from bot.core.command import Notify, Owners, SetOwners
from bot.core.owners import OwnersService
from bot.core.requesters import Requesters
from bot.slack import people_views
from bot.slack.request import Request


def owners(service: OwnersService, cmd: Owners, req: Request) -> None:
    req.answer(people_views.owners_listing(service.listing(cmd.glob), cmd.glob))


def set_owners(service: OwnersService, cmd: SetOwners, req: Request) -> None:
    req.answer(people_views.owners_changed(service.assign(req.user, cmd.glob, cmd.owners)))


def notify(requesters: Requesters, cmd: Notify, req: Request) -> None:
    if cmd.on is not None:
        requesters.set_dms(req.user, cmd.on)
    on = requesters.wants_dms(req.user)
    req.answer(people_views.notify_setting(on, changed=cmd.on is not None))
