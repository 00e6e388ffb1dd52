"""The config views: `/fsync config` (all, or one workspace) and the answer to a change.

Pure functions of the service's results, like every view (bot/slack/views.py has the others).
"""

from __future__ import annotations

from typing import Any

from bot.core import words
from bot.core.config_swap import ConfigChange
from bot.firestartr.models import Config
from bot.slack.blocks import code, context, divider, esc, header, message, pack_lines, section, user

Message = dict[str, Any]


def config_overview(config: Config, *, limit: int = 60) -> Message:
    glob = (
        f"*Sync* {'enabled' if config.enabled else ':no_entry: disabled globally'}"
        f" · *conflict_resolution* {code(config.conflict_resolution)}"
    )
    rows = [
        f"{'✅' if wc.enabled else '⏸'} *{esc(name)}* every {esc(wc.sync_interval)}"
        f" · auto_apply {'on' if wc.auto_apply else 'off'}"
        for name, wc in sorted(config.workspaces.items())[:limit]
    ]
    if len(config.workspaces) > limit:
        rows.append(
            f"…and {len(config.workspaces) - limit} more; `/fsync status <workspace>` shows one."
        )
    blocks = [
        header("Sync config"),
        section(glob),
        divider(),
        *pack_lines(rows),
        context(
            "Change it: `/fsync config staging interval=15m auto_apply=off enabled=on`"
            " or `/fsync config conflict_resolution=manual` (admins)."
        ),
    ]
    return message("Sync config", blocks)


def workspace_config(config: Config, name: str) -> Message:
    """`/fsync config <workspace>`: that workspace's settings and the global ones over them."""
    wc = config.workspaces[name]
    fields = [
        f"*Sync*\n{'enabled' if wc.enabled else 'disabled'}",
        f"*Interval*\n{esc(wc.sync_interval)}",
        f"*Auto-apply*\n{'on' if wc.auto_apply else 'off'}",
        f"*conflict_resolution* (global)\n{code(config.conflict_resolution)}",
    ]
    blocks = [header(f"Config of {name}"), section(f"*{esc(name)}*", fields=fields)]
    if not config.enabled:
        blocks.append(
            context(":no_entry: Sync is disabled globally: nothing syncs until it is on.")
        )
    blocks.append(
        context(
            f"Change it: `/fsync config {esc(name)} interval=15m auto_apply=off enabled=on` "
            "(admins)."
        )
    )
    return message(f"Config of {esc(name)}", blocks)


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return esc(value)


def config_changed(change: ConfigChange, by: str) -> Message:
    target = f"*{esc(change.workspace)}*" if change.workspace else "the global config"
    changed = [key for key in change.after if change.before.get(key) != change.after.get(key)]
    same = [key for key in change.after if key not in changed]
    if not changed:
        text = f"Nothing to change in {target}: it already has these values."
        return message(text, [section(text)])
    lines = [
        f"• {esc(words.setting(key))}: {_fmt(change.before.get(key))} → "
        f"*{_fmt(change.after.get(key))}*"
        for key in changed
    ]
    if same:
        lines.append(f"_unchanged: {', '.join(esc(words.setting(key)) for key in same)}_")
    head = f":gear: {user(by)} changed {target}:"
    return message(
        f"Config of {esc(change.workspace or 'fsync')} changed",
        [section(head + "\n" + "\n".join(lines))],
    )
