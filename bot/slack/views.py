"""Pure functions from service results to Slack messages (Block Kit dicts with a text fallback)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core import words
from bot.core.authz import Policy, Role
from bot.core.fleet import FleetView, health, is_problem, ordered, tally
from bot.core.parser import HELP
from bot.errors import AlreadyResolved, Confirm, FsyncError, PermissionDenied
from bot.firestartr.models import Conflict, Workspace
from bot.slack import log_views
from bot.slack.audience import (  # noqa: F401 - views is the one place listeners import
    config_line,
    for_role,
    hidden_note,
    may_press,
    not_said,
)
from bot.slack.audit_view import audit_message  # noqa: F401 - views is what listeners import
from bot.slack.blocks import (
    Block,
    actions,
    ago,
    button,
    clip,
    code,
    code_block,
    confirm_dialog,
    context,
    esc,
    header,
    icon,
    message,
    pack_lines,
    section,
    user,
    when,
)
from bot.slack.conflict_views import (  # noqa: F401 - views is the one place listeners import
    conflict_blocks,
    conflicts_message,
    diff_modal,
    diff_summary,
    label,
    resolved_headline,
    resolved_text,
)
from bot.slack.ids import Action, ActionValue, resolve_action

Message = dict[str, Any]
PAGE_SIZE = 40
# A confirm button or modal that came back with changes fsync would not have put there.
NOT_OURS = (
    "That confirmation was not one fsync made (its changes are not ones fsync sends), so nothing "
    "was changed. Run `/fsync config` again to change the config."
)


def help_message() -> Message:
    lines = [
        f"`/fsync {esc(usage)}`: {esc(what)}\n      e.g. `{esc(example)}`"
        for usage, what, example in HELP
    ]
    return message(
        "fsync commands",
        [
            header("fsync commands"),
            *pack_lines(lines),
            context("Buttons re-check your role on every click."),
        ],
    )


def error_message(exc: FsyncError) -> Message:
    text = f":no_entry: {esc(exc.user_message)}"
    if isinstance(exc, PermissionDenied):
        who = (
            "everyone"
            if exc.holders == ["*"]
            else ", ".join(user(h) for h in exc.holders[:5]) or "nobody yet (set FSYNC_ADMINS)"
        )
        text += f" Ask: {who}."
    if isinstance(exc, AlreadyResolved):
        text = (
            f":information_source: That conflict is already resolved by {user(exc.by)}: "
            f"{label(exc.resolution).lower()}."
        )
    return message(text, [section(text)])


def unknown_error(ref: str) -> Message:
    text = f":boom: Something broke in fsync (ref `{ref}`). The details are in the bot's log."
    return message(text, [section(text)])


def confirm_prompt(exc: Confirm) -> Message:
    value = ActionValue(
        workspace=exc.params.get("workspace"),
        conflict_id=exc.params.get("conflict_id"),
        resolution=exc.params.get("resolution"),
        changes=exc.params.get("changes"),
        run_id=exc.params.get("run_id"),
    )
    action_id, yes = {
        "sync": (Action.SYNC_CONFIRMED, "Start sync"),
        "approve": (Action.APPROVE_CONFIRMED, "Apply plan"),
        "discard": (Action.DISCARD_CONFIRMED, "Discard plan"),
        "resolve": (resolve_action(value.resolution or "", 0, confirmed=True), "Resolve"),
        "config": (Action.CONFIG_CONFIRMED, "Turn on auto_apply"),
    }[exc.action]
    yes = exc.yes or yes
    text = f":lock: {esc(exc.user_message)}"
    dialog = confirm_dialog("Are you sure?", esc(exc.user_message), yes)
    return message(
        text,
        [
            section(text),
            actions(button(yes, action_id, value.encode(), style="danger", confirm=dialog)),
        ],
    )


def next_sync(ws: Workspace, now: datetime) -> str:
    if not ws.sync_enabled:
        return "off"
    if ws.next_sync is None:
        return "waiting for a decision" if ws.status == "conflict" else "not scheduled"
    return ago(ws.next_sync, now)


def _line(ws: Workspace, now: datetime, mutes: dict[str, str]) -> str:
    state = health(ws, now)
    line = (
        f"{icon(state)} *{esc(ws.name)}*  {esc(words.label(state))} · last {ago(ws.last_sync, now)}"
        f" · next {next_sync(ws, now)}"
    )
    if ws.name in mutes:
        line += f" · :no_bell: muted {esc(mutes[ws.name])}"
    if state in ("failed", "stalled") and ws.message:
        line += f"\n      {code(clip(ws.message, 150))}"
    return line


def freshness(view: FleetView, now: datetime) -> list[Block]:
    if view.live:
        return []
    # The error is often a sentence of its own ("The Sync API is unavailable right now (HTTP
    # 503). Try again in a minute."): said once after a colon, not wrapped in a second pair of
    # parentheses, and without naming the Sync API twice.
    why = (view.error or "").strip()
    if why.startswith("The Sync API "):
        why = "it " + why.removeprefix("The Sync API ")
    if why and not why.endswith((".", "!", "?")):
        why += "."
    return [
        section(
            f":warning: *The Sync API is not answering*{': ' + esc(why) if why else '.'}\n"
            f"Showing the last known state, from {ago(view.fetched_at, now)}."
        )
    ]


def tally_line(counted: list[tuple[str, int]]) -> str:
    """How many workspaces are in each state (bot.core.fleet.tally), one icon each."""
    line = " · ".join(f"{icon(k)} {n} {esc(words.label(k))}" for k, n in counted)
    return line or "No workspaces."


def status_overview(
    view: FleetView, now: datetime, *, page: int = 1, mutes: dict[str, str] | None = None
) -> Message:
    mutes = mutes or {}
    counted = tally(view.workspaces, now)
    problems = sum(1 for ws in view.workspaces if is_problem(ws, now))
    total = len(view.workspaces)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = ordered(view.workspaces, now)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    title = (
        f"Sync status: {words.plural(total, 'workspace')}, "
        f"{problems} {words.verb(problems, 'needs', 'need')} attention"
    )
    blocks: list[Block] = [
        header(title),
        *freshness(view, now),
        context(tally_line(counted)),
    ]
    blocks += pack_lines([_line(ws, now, mutes) for ws in shown])
    if pages > 1:
        nav = []
        if page > 1:
            nav.append(
                button(
                    "◀ Previous", f"{Action.STATUS_PAGE}_prev", ActionValue(page=page - 1).encode()
                )
            )
        if page < pages:
            nav.append(button("Next ▶", Action.STATUS_PAGE, ActionValue(page=page + 1).encode()))
        blocks += [context(f"Page {page} of {pages}, problems first."), actions(*nav)]
    active = sorted(set(mutes) & {ws.name for ws in view.workspaces})
    if active:
        blocks.append(context(":no_bell: Muted: " + ", ".join(esc(n) for n in active[:20])))
    tallied = ", ".join(f"{n} {esc(words.label(k))}" for k, n in counted)
    fallback = f"{title}. {tallied}"
    return message(fallback, blocks)


def workspace_detail(
    ws: Workspace,
    view: FleetView,
    conflicts: list[Conflict] | None,
    now: datetime,
    policy: Policy,
    role: Role | None = None,
    web_url: str | None = None,
) -> Message:
    """One workspace, for someone with `role` (see workspace_buttons); `conflicts` None means
    they could not be read (said, not hidden). `web_url`: FSYNC_WEB_URL, for a link."""
    state = health(ws, now)
    fields = [
        f"*Status*\n{icon(state)} {esc(words.label(state))}",
        f"*Sync*\n{'enabled' if ws.sync_enabled else 'disabled'}",
        f"*Last sync*\n{ago(ws.last_sync, now)}",
        f"*Next sync*\n{next_sync(ws, now)}",
        f"*Interval*\n{esc(ws.sync_interval or 'unknown')}",
        f"*Auto-apply*\n{'on' if ws.auto_apply else 'off' if ws.auto_apply is False else '?'}",
    ]
    blocks: list[Block] = [
        header(f"Workspace {ws.name}"),
        *freshness(view, now),
        section(f"{icon(state)} *{esc(ws.name)}*: {esc(words.label(state))}", fields=fields),
    ]
    if ws.message and state != "success":
        blocks.append(section(f"*Last error*\n{code_block(ws.message)}"))
    blocks += log_views.status_blocks(ws, web_url)
    if conflicts is None:
        blocks.append(
            context(
                ":warning: Its open conflicts could not be read just now; "
                f"`/fsync conflicts {esc(ws.name)}` tries again."
            )
        )
    if policy.is_protected(ws.name):
        blocks.append(context(":lock: Protected: syncs and resolutions ask for confirmation."))
    shown = len(conflicts or []) or ws.open_conflicts
    buttons = workspace_buttons(ws, policy, shown, role)
    if buttons:
        blocks.append(actions(*buttons))
    if role is not None and len(buttons) < len(_all_buttons(ws, policy, shown)):
        blocks.append(context(hidden_note(role)))
    return message(f"Workspace {esc(ws.name)} is {esc(words.adjective(state))}", blocks)


def workspace_buttons(
    ws: Workspace, policy: Policy, open_conflicts: int, role: Role | None = None
) -> list[Block]:
    """The buttons for `ws` that `role` can use (a viewer gets none that act). `role` None: a
    message many people see (an alert card), so every button, each click re-checked."""
    every = _all_buttons(ws, policy, open_conflicts)
    return every if role is None else [b for b in every if may_press(b, policy, role)]


def _all_buttons(ws: Workspace, policy: Policy, open_conflicts: int) -> list[Block]:
    value = ActionValue(workspace=ws.name).encode()
    confirm = None
    if policy.is_protected(ws.name):
        confirm = confirm_dialog(
            "Sync a protected workspace?", f"Start a sync of *{esc(ws.name)}* now?", "Start sync"
        )
    elements = [
        button(
            "Sync now",
            Action.SYNC_CONFIRMED if confirm else Action.SYNC,
            value,
            style="primary",
            confirm=confirm,
        ),
        button("Edit config", Action.EDIT_CONFIG, value),
    ]
    if open_conflicts:
        elements.append(
            button(f"Conflicts ({open_conflicts})", Action.SHOW_CONFLICTS, value, style="danger")
        )
    return elements


def sync_requested(by: str, now: datetime) -> str:
    return f"Sync requested by {user(by)} {when(now)}: the run is followed in this thread."
