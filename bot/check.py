"""`fsync-bot check`: every missing or invalid setting in one report, then live checks of the
database, the Sync API and Slack, each said plainly. Exit 0 only when all is well; 2 when the
database is unusable (as `fsync-bot run` would then), with that one line on stderr too.

URLs are printed without their `user:password@` part (bot/redact.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from pydantic import ValidationError

from bot import redact
from bot.core.words import plural
from bot.errors import SyncAPIError
from bot.settings import ENV_NAMES, Settings
from bot.store import Store, StoreError

REQUIRED = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-...) from OAuth & Permissions",
    "FIRESTARTR_API_KEY": "the Firestartr Pro API key",
}


def describe_settings_errors(exc: Exception) -> str:
    if not isinstance(exc, ValidationError):
        return redact.url(f"Settings could not be read: {exc}")
    lines = ["Some settings are invalid:"]
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        lines.append(f"  {ENV_NAMES.get(field, field.upper())}: {error['msg']}")
    return redact.url("\n".join(lines))


def run_check(
    settings: Settings | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    def say(mark: str, text: str) -> None:
        print(f"{mark} {redact.url(text)}", file=out)

    try:
        settings = settings or Settings()
    except ValidationError as exc:
        print(describe_settings_errors(exc), file=out)
        return 1
    problems = 0
    for name, what in REQUIRED.items():
        if getattr(settings, name.lower()) is None:
            say("✗", f"{name} is not set: {what}.")
            problems += 1
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        say(
            "✗",
            "SLACK_SIGNING_SECRET is not set (HTTP mode needs it; or set SLACK_APP_TOKEN "
            "for Socket Mode).",
        )
        problems += 1
    if not settings.admins:
        say("!", "FSYNC_ADMINS is empty: nobody can change config or act on protected workspaces.")
    if not settings.alert_channel:
        say("!", "FSYNC_ALERT_CHANNEL is empty: alerts go only to channels that /fsync subscribe.")
    if problems == 0:
        say(
            "✓",
            f"Settings complete ({'Socket Mode' if settings.socket_mode else 'HTTP mode'}"
            f", database {redact.url(settings.database)}).",
        )

    database = _database(settings, say)
    if database is not None:
        print(f"fsync-bot check: {database}", file=err)
    if settings.firestartr_api_key is not None:
        from bot.firestartr.client import SyncClient

        try:
            with SyncClient.from_settings(settings, retries=0) as client:
                count = len(client.list_workspaces())
            say("✓", f"Sync API at {settings.firestartr_api_url}: {plural(count, 'workspace')}.")
        except SyncAPIError as exc:
            say("✗", f"Sync API at {settings.firestartr_api_url}: {exc.user_message}")
            problems += 1
    if settings.slack_bot_token is not None:
        from bot.startup import ask_slack

        slack = ask_slack(settings)
        if slack.problem is None:
            say("✓", f"Slack: connected as @{slack.user} in {slack.team}.")
        else:
            say("✗", slack.problem)
            problems += 1
    problems += database is not None
    say("=", "All good." if problems == 0 else f"{plural(problems, 'problem')} found.")
    return 2 if database is not None else 0 if problems == 0 else 1


def _database(settings: Settings, say: Callable[[str, str], None]) -> str | None:
    """What makes the database unusable, or None. A file not there yet is fine: run makes it."""
    if settings.database_url is not None:
        try:
            where = Store(settings.database).where
        except StoreError as exc:
            say("✗", exc.user_message)
            return exc.user_message
        say("✓", f"Database {where}: usable.")
        return None
    path = settings.db_path
    if not path.exists() and path.parent.is_dir():
        say("✓", f"Database {path}: not there yet; `fsync-bot run` creates it.")
        return None
    try:
        Store(path)
    except StoreError as exc:
        say("✗", exc.user_message)
        return exc.user_message
    say("✓", f"Database {path}: usable.")
    return None
