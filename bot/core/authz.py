"""Roles: who may do what, checked on every command and every click.

Viewer (anyone not listed): read-only. Operator (`FSYNC_OPERATORS`, or `*`): sync and resolve
conflicts on unprotected workspaces, change alert routes, mute and unmute unprotected workspaces.
Admin (`FSYNC_ADMINS`): everything, including config changes, protected workspaces
(`FSYNC_PROTECTED` globs) and mutes that reach one of them or the whole fleet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from fnmatch import fnmatchcase

from bot.core.globs import matches_anything, overlap
from bot.core.words import a_or_an
from bot.errors import PermissionDenied
from bot.settings import Settings


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

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            frozenset(settings.admins), frozenset(settings.operators), tuple(settings.protected)
        )

    def role_of(self, user_id: str) -> Role:
        if user_id in self.admins:
            return Role.ADMIN
        if user_id in self.operators or "*" in self.operators:
            return Role.OPERATOR
        return Role.VIEWER

    def is_protected(self, workspace: str) -> bool:
        return any(fnmatchcase(workspace, pattern) for pattern in self.protected)

    def silence_reach(self, glob: str, fleet: Sequence[str] = ()) -> str | None:
        """Why silencing `glob` takes an admin, or None when an operator may.

        Checked against today's fleet (`fleet`: its names) and against the protected patterns
        themselves, so `prod-eu*` counts before any such workspace exists.
        """
        if matches_anything(glob) or (len(fleet) > 1 and all(fnmatchcase(n, glob) for n in fleet)):
            return "which covers the whole fleet"
        hit = next((n for n in fleet if fnmatchcase(n, glob) and self.is_protected(n)), None)
        if hit is not None:
            return f"which covers the protected workspace `{hit}`"
        pattern = next((p for p in self.protected if overlap(glob, p)), None)
        if pattern is not None:
            return f"which can cover workspaces protected by `{pattern}`"
        return None

    def needed_for(
        self, action: str, workspace: str | None = None, fleet: Sequence[str] = ()
    ) -> Role:
        """The least role that may take `action` (on `workspace`, a pattern for mutes)."""
        if action in ("config", "auto_apply"):
            return Role.ADMIN
        if action in ("sync", "resolve"):
            return Role.ADMIN if workspace and self.is_protected(workspace) else Role.OPERATOR
        if action in ("mute", "unmute"):
            reach = workspace and self.silence_reach(workspace, fleet)
            return Role.ADMIN if reach else Role.OPERATOR
        if action in ("subscribe", "unsubscribe"):
            return Role.OPERATOR
        return Role.VIEWER

    def holders(self, role: Role) -> list[str]:
        """User IDs that hold `role` (or more); `["*"]` when every user is an operator."""
        if role is Role.OPERATOR and "*" in self.operators:
            return ["*"]
        return sorted(self.admins if role is Role.ADMIN else self.operators | self.admins)

    def check(
        self, user_id: str, action: str, workspace: str | None = None, fleet: Sequence[str] = ()
    ) -> Role:
        """The user's role, or PermissionDenied naming the role needed and who holds it."""
        role, needed = self.role_of(user_id), self.needed_for(action, workspace, fleet)
        if role >= needed:
            return role
        what = {
            "sync": "start a sync",
            "resolve": "resolve conflicts",
            "config": "change config",
            "auto_apply": "turn on auto_apply",
            "mute": "mute",
            "unmute": "unmute",
        }.get(action, f"use `{action}`")
        where = ""
        if workspace and action in ("mute", "unmute"):
            reach = self.silence_reach(workspace, fleet)
            where = f" `{workspace}`" + (f", {reach}," if reach else "")
        elif workspace:
            where = f" on `{workspace}`"
            if self.is_protected(workspace) and action in ("sync", "resolve"):
                where += " (a protected workspace)"
        raise PermissionDenied(
            f"You are {a_or_an(role.label)}: to {what}{where} you need the {needed.label} role.",
            holders=self.holders(needed),
        )
