"""The View log button and the modal it opens: the last lines of a run's log, as Slack can show
them. Pure functions.

A log is the API's text, written by Terraform and whatever it ran: it may hold colour codes,
progress lines redrawn with `\\r`, `<!channel>`, backticks, or a 10,000-character line. So it is
cleaned (`clean_lines`: ANSI codes and control characters out), escaped (`esc`: nothing in it can
mention anyone, link anywhere or close the code block) and cut to Slack's limits (`log_sections`:
at most 3,000 characters a section, at most 100 blocks a modal), keeping the end, where a failed
run says why.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.run_logs import Missing, RunLog
from bot.core.words import label
from bot.firestartr.models import Run, Workspace
from bot.slack.blocks import (
    MAX_SECTION,
    MAX_VIEW_BLOCKS,
    Block,
    actions,
    button,
    code,
    context,
    esc,
    icon,
    plain,
    section,
)
from bot.slack.ids import Action, ActionValue, View
from bot.slack.run_links import fill, link, log_page, run_page

# CSI (colours, cursor moves), OSC (titles, hyperlinks) and the two-character escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
WRAP = 200  # characters of a log line per code line: escaped, even the worst fits a section
SECTION_LIMIT = MAX_SECTION - 100
MAX_LOG_SECTIONS = 30  # ~90,000 characters: far more than the 200 lines asked for
_BACKTICK = "ˋ"  # as bot/slack/blocks.py: looks like a backtick, closes no code block
TITLE = "Run log"

NOT_AVAILABLE = ":information_source: Logs are not available from this Sync API."


def clean_lines(text: str) -> list[str]:
    """The lines a terminal would show: no colour or cursor codes, a line redrawn with `\\r`
    as last drawn, tabs as spaces, other control characters dropped, no empty lines at the end."""
    lines = []
    for raw in _ANSI.sub("", text).replace("\r\n", "\n").split("\n"):
        drawn = [part for part in raw.split("\r") if part]
        lines.append(_CONTROL.sub("", (drawn[-1] if drawn else "").expandtabs(4)).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _pieces(lines: list[str]) -> list[str]:
    """Each line escaped for a code block, long ones wrapped every WRAP characters."""
    out = []
    for line in lines:
        parts = [line[i : i + WRAP] for i in range(0, len(line), WRAP)] or [""]
        out += [esc(part).replace("`", _BACKTICK) for part in parts]
    return out


def log_sections(
    lines: list[str], *, max_sections: int = MAX_LOG_SECTIONS, limit: int = SECTION_LIMIT
) -> tuple[list[Block], bool]:
    """Code-block sections holding the last lines that fit, and whether earlier ones were left
    out. Every section is one ``` block of at most `limit` characters."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 6  # the two fences
    pieces = _pieces(lines)
    kept = 0
    for piece in reversed(pieces):
        if current and size + len(piece) + 1 > limit:
            chunks.append(current)
            current, size = [], 6
            if len(chunks) == max_sections:
                break
        current.append(piece)
        size += len(piece) + 1
        kept += 1
    else:
        if current:
            chunks.append(current)
    # A code block that starts or ends with a blank line loses it in Slack: a space keeps it.
    blocks = [section("```" + "\n".join(p or " " for p in reversed(c)) + "```") for c in chunks]
    return list(reversed(blocks)), kept < len(pieces)


def view_log_button(run_id: str | None, workspace: str | None) -> Block:
    value = ActionValue(run_id=run_id, workspace=workspace).encode()
    return button("View log", Action.VIEW_LOG, value)


def page_link(run: Run | None, workspace: str | None, web_url: str | None) -> str:
    """` · Open in Firestartr` (a link) for a card's facts line, or "" with nowhere to go."""
    url = run_page(run, workspace, web_url)
    return f" · {link(url, 'Open in Firestartr')}" if url else ""


def status_blocks(ws: Workspace, web_url: str | None) -> list[Block]:
    """What a workspace's status detail adds: its FSYNC_WEB_URL link (the listing carries none)
    and, when it failed, View log for its last run."""
    blocks = []
    url = fill(web_url, ws.name, ws.current_run_id or ws.last_run_id)
    if url:
        blocks.append(context(f":link: {link(url, 'Open in Firestartr')}"))
    if ws.status == "failed" and ws.last_run_id:
        blocks.append(actions(view_log_button(ws.last_run_id, ws.name)))
    return blocks


def run_card_blocks(run: Run, workspace: str) -> list[Block]:
    """What a run's card adds for its log: View log, once the run has failed."""
    return [actions(view_log_button(run.id, workspace))] if run.status == "failed" else []


def _modal(blocks: list[Block]) -> dict[str, Any]:
    if len(blocks) > MAX_VIEW_BLOCKS:  # never with the limits above; a guard, not a plan
        blocks = blocks[-MAX_VIEW_BLOCKS:]
    return {
        "type": "modal",
        "callback_id": View.RUN_LOG,
        "title": {"type": "plain_text", "text": plain(TITLE, 24)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def _headline(found: RunLog) -> str:
    what = f"*{esc(found.workspace)}*" if found.workspace else "A run"
    run = f" · run {code(found.run_id)}" if found.run_id else ""
    state = f" · {icon(found.status)} {esc(label(found.status))}" if found.status else ""
    return f"{what}{run}{state}"


def loading_modal(workspace: str | None, run_id: str | None) -> dict[str, Any]:
    """Shown at once (a trigger_id lasts 3 seconds; the Sync API may take longer)."""
    found = RunLog(workspace, run_id)
    return _modal([section(_headline(found)), context(":hourglass: Reading the log…")])


def _why(found: RunLog) -> str:
    if found.missing == Missing.NO_LOGS:
        return NOT_AVAILABLE
    if found.missing == Missing.NO_RUN:
        return ":information_source: No run of this workspace is known, so there is no log."
    if found.missing == Missing.NOT_FOUND:
        return ":information_source: The Sync API no longer knows this run: its log is gone."
    return f":warning: The log could not be read: {esc(found.problem)}"


def log_modal(found: RunLog, web_url: str | None = None) -> dict[str, Any]:
    """The last lines of the run's log, or why there are none; a link to the whole log when
    the API gives one (or FSYNC_WEB_URL makes one)."""
    blocks = [section(_headline(found))]
    url = log_page(found.run, found.workspace, found.run_id, web_url)
    if url:
        blocks.append(context(f":link: {link(url, 'Open the whole log')}"))
    if found.text is None:
        return _modal([*blocks, section(_why(found))])
    lines = clean_lines(found.text)
    if not lines:
        return _modal([*blocks, section("_The log is empty so far._")])
    sections, cut = log_sections(lines, max_sections=min(MAX_LOG_SECTIONS, 100 - len(blocks) - 1))
    note = "Earlier lines are not shown" if cut else f"The last {len(lines)} lines"
    return _modal([*blocks, *sections, context(f"{note} · colours removed")])
