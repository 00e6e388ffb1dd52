"""Roles: who may do what, checked on every command and every click.

Viewer (anyone not listed): read-only. Operator (`FSYNC_OPERATORS`, or `*`): sync and resolve
conflicts on unprotected workspaces, change alert routes and mutes. Admin (`FSYNC_ADMINS`):
everything, including config changes and protected workspaces (`FSYNC_PROTECTED` globs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from fnmatch import fnmatchcase

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

    def needed_for(self, action: str, workspace: str | None = None) -> Role:
        """The least role that may take `action` (on `workspace`)."""
        if action in ("config", "auto_apply"):
            return Role.ADMIN
        if action in ("sync", "resolve"):
            return Role.ADMIN if workspace and self.is_protected(workspace) else Role.OPERATOR
        if action in ("subscribe", "unsubscribe", "mute", "unmute"):
            return Role.OPERATOR
        return Role.VIEWER

    def holders(self, role: Role) -> list[str]:
        """User IDs that hold `role` (or more); `["*"]` when every user is an operator."""
        if role is Role.OPERATOR and "*" in self.operators:
            return ["*"]
        return sorted(self.admins if role is Role.ADMIN else self.operators | self.admins)

    def check(self, user_id: str, action: str, workspace: str | None = None) -> Role:
        """The user's role, or PermissionDenied naming the role needed and who holds it."""
        role, needed = self.role_of(user_id), self.needed_for(action, workspace)
        if role >= needed:
            return role
        what = {
            "sync": "start a sync",
            "resolve": "resolve conflicts",
            "config": "change config",
            "auto_apply": "turn on auto_apply",
        }.get(action, f"use `{action}`")
        where = ""
        if workspace:
            where = f" on `{workspace}`"
            if self.is_protected(workspace) and action in ("sync", "resolve"):
                where += " (a protected workspace)"
        raise PermissionDenied(
            f"You are {a_or_an(role.label)}: to {what}{where} you need the {needed.label} role.",
            holders=self.holders(needed),
        )
