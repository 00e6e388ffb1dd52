"""Links from Slack to a run in Firestartr's web UI: the API's own `url` / `log_url` when it gives
them ([ASSUMED]), else one made from the FSYNC_WEB_URL template (checked at start-up by
bot/settings.py), with the workspace name and run id percent-encoded into it.

A URL from the API is untrusted text that ends up inside `<url|label>`: only http(s) URLs are
used, and the characters that could end the link early or start another one (`|`, `<`, `>`,
spaces, controls) are percent-encoded, `&` escaped as Slack asks.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

from bot.firestartr.models import Run

MAX_URL = 2000
_UNSAFE = re.compile(r"[\s<>|\"`\x00-\x1f\x7f]")


def safe_url(url: str | None) -> str | None:
    """`url` when it is an http(s) URL fit to put in a link, made so; else None."""
    if not url or not isinstance(url, str):
        return None
    url = _UNSAFE.sub(lambda m: quote(m.group(), safe=""), url.strip())
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        return None
    return url


def fill(template: str | None, workspace: str | None, run_id: str | None) -> str | None:
    """The template with its placeholders filled in; None without a template, or when it
    names a placeholder there is no value for (a `{run}` link for a workspace with no run)."""
    if not template:
        return None
    values = {"workspace": workspace, "run": run_id}
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if any(not values.get(name) for name in names):
        return None
    encoded = {k: quote(v or "", safe="") for k, v in values.items()}
    return safe_url(template.format(**encoded))


def run_page(run: Run | None, workspace: str | None, template: str | None) -> str | None:
    """Where a person reads the run: its page, its log, or the FSYNC_WEB_URL link."""
    found = (safe_url(run.url) or safe_url(run.log_url)) if run is not None else None
    return found or fill(template, workspace, run.id if run is not None else None)


def log_page(
    run: Run | None, workspace: str | None, run_id: str | None, template: str | None
) -> str | None:
    """Where a person reads the run's whole log: its log, its page, or the FSYNC_WEB_URL link."""
    found = (safe_url(run.log_url) or safe_url(run.url)) if run is not None else None
    return found or fill(template, workspace, run_id)


def link(url: str, label: str) -> str:
    """mrkdwn for a link to a URL that went through `safe_url`; `label` is the app's words."""
    return f"<{url.replace('&', '&amp;')}|{label}>"
