"""Credentials never leave in text: a URL is shown without its `user:password@` part.

FIRESTARTR_API_URL and SLACK_API_URL may carry credentials (`https://user:pass@host`, basic auth
through a proxy). Whatever prints or logs a URL (`fsync-bot check`, httpx and slack_sdk at debug
level, a traceback) goes through `url()`, and every log line through `RedactingFormatter`.
"""

from __future__ import annotations

import logging
import re

# scheme://userinfo@ : userinfo is everything up to the last "@" before the first "/". A
# password may hold "?" or "#" (libpq takes them): a query that holds an "@" with no path
# before it is redacted too, which hides a little more than needed, never less.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/]*@")
# libpq's `?password=...` (and `password=...` in a key/value connection string).
_PASSWORD = re.compile(r"(?i)\b(password=)[^&\s]*")


def url(text: str) -> str:
    """`text` with the userinfo of every URL in it, and any `password=` value, as `***`."""
    return _PASSWORD.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts: the message, its arguments and any traceback alike."""

    def format(self, record: logging.LogRecord) -> str:
        return url(super().format(record))


def install(fmt: str) -> None:
    """Every handler of the root logger formats through RedactingFormatter(fmt)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(fmt))
