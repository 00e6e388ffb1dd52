"""Changing the Sync API's config without losing someone else's change made at the same time.

The config is read with its version (ETag) and written back with `If-Match`; when someone else
wrote in between, the API answers 412 and the change is worked out again on the config as it is
now. After ATTEMPTS lost races the person is told to look and try again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.audit import Entry
from bot.core.changes import apply_changes, confirmation
from bot.errors import ConfigVersionMismatch, Confirm, WorkspaceNotFound
from bot.firestartr.models import Config

ATTEMPTS = 3


@dataclass(frozen=True)
class ConfigChange:
    workspace: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    config: Config


class ConfigAPI(Protocol):
    def get_config(self) -> tuple[Config, str | None]: ...

    def put_config(self, config: Config, *, etag: str | None) -> Config: ...


def swap_config(
    client: ConfigAPI,
    workspace: str | None,
    changes: dict[str, Any],
    *,
    confirmed: bool,
    entry: Entry,
    not_found: Callable[[str, list[str]], WorkspaceNotFound],
) -> ConfigChange:
    """Apply parsed `changes` to the config (of `workspace`, or the global one).

    Raises Confirm when the change needs a second thought and `confirmed` is not set. `entry`
    gets each attempt's before/after (what the audit log shows: "auto-apply off → on", or "no
    change") and writes its intent row right before a write leaves.
    """
    for _ in range(ATTEMPTS):
        config, etag = client.get_config()
        unchanged = config.model_copy(deep=True)
        if workspace is not None and workspace not in config.workspaces:
            raise not_found(workspace, list(config.workspaces))
        ask = None if confirmed else confirmation(config, workspace, changes)
        if ask is not None:
            raise Confirm(
                ask[0],
                action="config",
                params={"workspace": workspace, "changes": changes},
                yes=ask[1],
            )
        before, after = apply_changes(config, workspace, changes)
        entry.args.update(before=before, after=after)
        if config == unchanged:
            return ConfigChange(workspace, before, after, config)
        entry.before_send()
        try:
            stored = client.put_config(config, etag=etag)
        except ConfigVersionMismatch:
            continue  # someone else's write came first: work it out again on theirs
        return ConfigChange(workspace, before, after, stored)
    else:
        raise ConfigVersionMismatch(
            "Someone else changed the config at the same time, three times in a row. "
            "Look at `/fsync config` and try again."
        )
