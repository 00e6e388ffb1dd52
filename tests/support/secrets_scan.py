"""Every secret a test process was given, and everything it wrote or sent: scanned at the end.

The issue's rule: run the whole suite, then search every log and every message sent to the fake
Slack for the API key, the bot token and the signing secret. Zero hits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECRETS: set[str] = set()
LOGS: list[Path] = []
SLACKS: list[Any] = []


def remember(*, secrets: list[str], log: Path | None = None) -> None:
    SECRETS.update(s for s in secrets if s and len(s) >= 8)
    if log is not None:
        LOGS.append(log)


def hits() -> list[str]:
    found = []
    for log in LOGS:
        text = log.read_text(errors="replace") if log.exists() else ""
        found += [f"{log.name}: {s[:6]}…" for s in SECRETS if s in text]
    for slack in SLACKS:
        # Only what a person could read: the bot token in the Authorization header is expected.
        sent = "\n".join(json.dumps(c.args, default=str) for c in slack.all_calls())
        found += [f"fake Slack {slack.url}: {s[:6]}…" for s in SECRETS if s in sent]
    return found
