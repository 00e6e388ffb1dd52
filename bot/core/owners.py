"""Owners: the Slack people and user groups an alert card mentions, by workspace pattern. The one
module that reads and writes the `workspace_owners` table (bot/migrations.py makes it).

Setting or clearing owners takes an operator, or an admin when the pattern can reach a protected
workspace (today's, or one a protected pattern would cover later: `Policy.protected_reach`);
each change is audited. Reading them is for everyone, and for the alerts poller (`lookup`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from bot.core.authz import RoleAction
from bot.core.service import FsyncService
from bot.engine import Db
from bot.errors import UsageError
from bot.firestartr.names import did_you_mean
from bot.sql import replace_into
from bot.store import Store
from bot.times import now_iso


@dataclass(frozen=True)
class Assignment:
    glob: str
    owners: tuple[str, ...]  # Slack ids: U…/W… people, S… user groups
    by: str


@dataclass(frozen=True)
class Changed:
    glob: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    matching: list[str]  # today's workspaces the pattern covers
    hint: str  # "did you mean" when it covers none


def assignments(db: Db) -> list[Assignment]:
    rows = db.execute("SELECT glob, owners, user_id FROM workspace_owners ORDER BY glob").fetchall()
    return [Assignment(glob, tuple(json.loads(ids or "[]")), by or "") for glob, ids, by in rows]


def lookup(db: Db) -> Callable[[str], tuple[str, ...]]:
    """Workspace name -> its owners (every matching pattern's, in pattern order, once each),
    read once: the poller asks it for every card of a tick."""
    found = assignments(db)

    def owners_of(workspace: str) -> tuple[str, ...]:
        ids = (i for a in found if fnmatchcase(workspace, a.glob) for i in a.owners)
        return tuple(dict.fromkeys(ids))

    return owners_of


class OwnersService:
    def __init__(self, store: Store, service: FsyncService) -> None:
        self.store, self.service = store, service

    def listing(self, glob: str | None = None) -> list[Assignment]:
        """Every assignment; with `glob`, those whose pattern is it or could meet it."""
        found = assignments(self.store.db)
        if glob is None:
            return found
        return [a for a in found if a.glob == glob or fnmatchcase(a.glob, glob)]

    def assign(self, user: str, glob: str, owners: tuple[str, ...]) -> Changed:
        """Set (or, with no owners, clear) the owners of `glob`; refusals raise and are audited."""
        fleet = self.service.fleet_names()
        args = {"glob": glob, "owners": list(owners)}
        self.service.require(user, RoleAction.OWNERS, glob, args, fleet=fleet)
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT owners FROM workspace_owners WHERE glob = ?", [glob]
            ).fetchone()
            before = tuple(json.loads(row[0])) if row else ()
            if not owners and not before:
                raise UsageError(
                    f"`{glob}` has no owners to clear. `/fsync owners` lists the patterns that do."
                )
            if owners:
                db.execute(
                    replace_into("workspace_owners", "glob, owners, user_id, updated_at", "glob"),
                    [glob, json.dumps(list(owners)), user, now_iso()],
                )
            else:
                db.execute("DELETE FROM workspace_owners WHERE glob = ?", [glob])
        self.store.audit(
            user_id=user,
            action=RoleAction.OWNERS,
            workspace=None,
            args={**args, "before": list(before)},
            outcome="ok",
        )
        matching = [name for name in fleet if fnmatchcase(name, glob)]
        hint = "" if matching else did_you_mean(glob, fleet)
        return Changed(glob, before, owners, matching, hint)
