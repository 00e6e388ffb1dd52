"""Roles: who may do what, checked on every command and every click.

Viewer (anyone not listed): read-only. Operator (`FSYNC_OPERATORS`, or `*`): sync and resolve
conflicts on unprotected workspaces, change alert routes, mute and unmute unprotected workspaces.
Admin (`FSYNC_ADMINS`): everything, including config changes, protected workspaces
(`FSYNC_PROTECTED` globs) and mutes that reach one of them or the whole fleet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from fnmatch import fnmatchcase

from bot.core.globs import matches_anything, overlap
from bot.core.words import a_or_an
from bot.errors import PermissionDenied
from bot.settings import Settings


class RoleAction(StrEnum):
    """What a role check is about. The values are what audit rows store, so they never change."""

    SYNC = "sync"
    RESOLVE = "resolve"
    CONFIG = "config"
    AUTO_APPLY = "auto_apply"
    MUTE = "mute"
    UNMUTE = "unmute"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    OWNERS = "owners"  # who alert cards mention: by pattern, like a mute
    APPROVE = "approve"  # a plan waiting for approval
    DISCARD = "discard"
    DIGEST = "digest"  # a channel's scheduled report: set or turned off


# Silencing reaches by pattern: whether it takes an admin depends on what the pattern covers.
_SILENCING = (RoleAction.MUTE, RoleAction.UNMUTE)
# Actions on a pattern, said as "to mute `prod*`" in a refusal.
_ON_A_PATTERN = (*_SILENCING, RoleAction.OWNERS)
# These take an admin on a protected workspace, an operator elsewhere.
_ON_A_WORKSPACE = (RoleAction.SYNC, RoleAction.RESOLVE, RoleAction.APPROVE, RoleAction.DISCARD)


class Role(IntEnum):
    VIEWER = 0
    OPERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Policy:
    admins: frozenset[str]
    operators: frozenset[str]
    protected: tuple[str, ...]
    # FSYNC_FOUR_EYES: workspaces whose plans their run's requester may not approve.
    four_eyes: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            frozenset(settings.admins),
            frozenset(settings.operators),
            tuple(settings.protected),
            tuple(settings.four_eyes),
        )

    def role_of(self, user_id: str) -> Role:
        if user_id in self.admins:
            return Role.ADMIN
        if user_id in self.operators or "*" in self.operators:
            return Role.OPERATOR
        return Role.VIEWER

    def is_protected(self, workspace: str) -> bool:
        return any(fnmatchcase(workspace, pattern) for pattern in self.protected)

    def check_four_eyes(self, user_id: str, workspace: str, requested_by: str | None) -> None:
        """PermissionDenied when `user_id` requested the run whose plan they want to approve on a
        FSYNC_FOUR_EYES workspace: someone else with the role must approve it."""
        if requested_by != user_id or not any(
            fnmatchcase(workspace, pattern) for pattern in self.four_eyes
        ):
            return
        needed = self.needed_for(RoleAction.APPROVE, workspace)
        others = [h for h in self.holders(needed) if h != user_id]
        raise PermissionDenied(
            f"`{workspace}` needs four eyes: you requested this run, so someone else must "
            "approve its plan.",
            holders=others,
        )

    def silence_reach(self, glob: str, fleet: Sequence[str] = ()) -> str | None:
        """Why silencing `glob` takes an admin, or None when an operator may.

        Checked against today's fleet (`fleet`: its names) and against the protected patterns
        themselves, so `prod-eu*` counts before any such workspace exists.
        """
        if matches_anything(glob) or (len(fleet) > 1 and all(fnmatchcase(n, glob) for n in fleet)):
            return "which covers the whole fleet"
        return self.protected_reach(glob, fleet)

    def protected_reach(self, glob: str, fleet: Sequence[str] = ()) -> str | None:
        """Why `glob` can reach a protected workspace (today's or a future one), or None."""
        hit = next((n for n in fleet if fnmatchcase(n, glob) and self.is_protected(n)), None)
        if hit is not None:
            return f"which covers the protected workspace `{hit}`"
        pattern = next((p for p in self.protected if overlap(glob, p)), None)
        if pattern is not None:
            return f"which can cover workspaces protected by `{pattern}`"
        return None

    def needed_for(
        self, action: RoleAction, workspace: str | None = None, fleet: Sequence[str] = ()
    ) -> Role:
        """The least role that may take `action` (on `workspace`, a pattern for mutes)."""
        if action in (RoleAction.CONFIG, RoleAction.AUTO_APPLY):
            return Role.ADMIN
        if action in _ON_A_WORKSPACE:
            return Role.ADMIN if workspace and self.is_protected(workspace) else Role.OPERATOR
        if action in _SILENCING:
            reach = workspace and self.silence_reach(workspace, fleet)
            return Role.ADMIN if reach else Role.OPERATOR
        if action is RoleAction.OWNERS:
            return (
                Role.ADMIN
                if workspace and self.protected_reach(workspace, fleet)
                else Role.OPERATOR
            )
        if action in (RoleAction.SUBSCRIBE, RoleAction.UNSUBSCRIBE, RoleAction.DIGEST):
            return Role.OPERATOR
        return Role.VIEWER

    def holders(self, role: Role) -> list[str]:
        """User IDs that hold `role` (or more); `["*"]` when every user is an operator."""
        if role is Role.OPERATOR and "*" in self.operators:
            return ["*"]
        return sorted(self.admins if role is Role.ADMIN else self.operators | self.admins)

    def check(
        self,
        user_id: str,
        action: RoleAction,
        workspace: str | None = None,
        fleet: Sequence[str] = (),
    ) -> Role:
        """The user's role, or PermissionDenied naming the role needed and who holds it."""
        role, needed = self.role_of(user_id), self.needed_for(action, workspace, fleet)
        if role >= needed:
            return role
        what = _WHAT.get(action, f"use `{action}`")
        where = ""
        if workspace and action in _ON_A_PATTERN:
            reach = (
                self.protected_reach(workspace, fleet)
                if action is RoleAction.OWNERS
                else self.silence_reach(workspace, fleet)
            )
            where = f" `{workspace}`" + (f", {reach}," if reach else "")
        elif workspace:
            where = f" on `{workspace}`"
            if self.is_protected(workspace) and action in _ON_A_WORKSPACE:
                where += " (a protected workspace)"
        raise PermissionDenied(
            f"You are {a_or_an(role.label)}: to {what}{where} you need the {needed.label} role.",
            holders=self.holders(needed),
        )


# How a refusal names what was asked: "to start a sync on `x` you need ...".
_WHAT = {
    RoleAction.SYNC: "start a sync",
    RoleAction.RESOLVE: "resolve conflicts",
    RoleAction.CONFIG: "change config",
    RoleAction.AUTO_APPLY: "turn on auto_apply",
    RoleAction.MUTE: "mute",
    RoleAction.UNMUTE: "unmute",
    RoleAction.OWNERS: "set the owners of",
    RoleAction.APPROVE: "approve a plan",
    RoleAction.DISCARD: "discard a plan",
}
