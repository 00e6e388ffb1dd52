"""Every secret a test process was given, and everything it wrote or sent: scanned at the end.

The issue's rule: run the whole suite, then search every log and every message sent to the fake
Slack for the API key, the bot token and the signing secret. Zero hits.

Logs are also searched for what belongs to one person's request (issue 11): a response_url (it
lets anyone answer in that person's name for 30 minutes), a legacy verification token (every
payload in tests/fixtures carries one), or a request body. Slack messages are not: the fake
Slack records response_url calls by their path, which is no leak.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SECRETS: set[str] = set()
LOGS: list[Path] = []
SLACKS: list[Any] = []
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "payloads"
# What must never be in a log line, by what a person reading the hit should look for.
LEAKS = {
    # Plain or form-encoded (a logged body holds `response_url=https%3A%2F%2Fhooks...`).
    "a response_url": re.compile(
        r"hooks\.slack\.com(/|%2F)|https?(://|%3A%2F%2F)[^\s\"'&]+?(/|%2F)response(/|%2F)[\w-]+"
    ),
    "a verification token": re.compile(r"\btoken=[\w-]{6,}|[\"']token[\"']\s*:\s*[\"'][\w-]{6,}"),
    "a request body": re.compile(
        r"\btrigger_id\b|\bteam_domain\b|payload=%7B|[\"']response_urls?[\"']\s*:"
    ),
}


def fixture_tokens() -> set[str]:
    """The legacy verification tokens of the recorded payloads the tests send."""
    found = set()
    for path in PAYLOADS.glob("*.json"):
        found.update(re.findall(r'"token":\s*"([\w-]{6,})"', path.read_text()))
    return found


def leaks(text: str) -> list[str]:
    """What of one person's request `text` holds: a response_url, a token, a body."""
    found = [what for what, pattern in LEAKS.items() if pattern.search(text)]
    if any(token in text for token in fixture_tokens()) and "a verification token" not in found:
        found.append("a verification token")
    return found


def remember(*, secrets: list[str], log: Path | None = None) -> None:
    SECRETS.update(s for s in secrets if s and len(s) >= 8)
    if log is not None:
        LOGS.append(log)


def hits() -> list[str]:
    found = []
    for log in LOGS:
        text = log.read_text(errors="replace") if log.exists() else ""
        found += [f"{log.name}: {s[:6]}…" for s in SECRETS if s in text]
        found += [f"{log.name}: {what}" for what in leaks(text)]
    for slack in SLACKS:
        # Only what a person could read: the bot token in the Authorization header is expected.
        sent = "\n".join(json.dumps(c.args, default=str) for c in slack.all_calls())
        found += [f"fake Slack {slack.url}: {s[:6]}…" for s in SECRETS if s in sent]
    return found
