"""What `fsync-bot run` and `fsync-bot check` ask Slack before anything else, said in one line.

Slack is asked once (`auth.test`) through a client that writes no log lines of its own: slack_sdk
logs every failed attempt and every retry at ERROR and INFO, which would bury the one line that
says what is wrong (and spill into `check`'s report). Without Slack the bot can do nothing, so
`run` stops there with exit code 2 and lets its supervisor try again; a Sync API that does not
answer does not stop it (commands say so, and the poller logs each failed poll in one line).
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot import redact
from bot.settings import Settings
from bot.slack.webclient import slack_web_client

# Errors auth.test answers when the token itself is wrong: the fix is SLACK_BOT_TOKEN.
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "invalid_token",
    }
)


def _silent() -> logging.Logger:
    # Not registered with logging's manager: no handler, no parent, nothing printed.
    logger = logging.Logger("fsync.startup.slack")
    logger.disabled = True
    return logger


@dataclass(frozen=True)
class SlackAnswer:
    """What auth.test said: who the bot is, or the one line that says what is wrong."""

    user: str = ""
    team: str = ""
    problem: str | None = None


def ask_slack(settings: Settings) -> SlackAnswer:
    where = redact.url(settings.slack_api_url)
    try:
        auth = slack_web_client(settings, logger=_silent()).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if error in TOKEN_ERRORS:
            return SlackAnswer(
                problem=f"Slack refused the bot token ({error}): set SLACK_BOT_TOKEN to the "
                "Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page."
            )
        return SlackAnswer(problem=f"Slack at {where} answered auth.test with {error}.")
    except (OSError, http.client.HTTPException) as exc:
        return SlackAnswer(
            problem=f"Slack at {where} is unreachable ({network_reason(exc)}): check "
            "SLACK_API_URL, the network and any proxy (HTTPS_PROXY)."
        )
    except Exception as exc:  # a URL slack_sdk cannot even send to: say it, never a traceback
        return SlackAnswer(problem=f"Slack at {where} could not be asked ({type(exc).__name__}).")
    return SlackAnswer(user=str(auth.get("user") or ""), team=str(auth.get("team") or ""))


def network_reason(exc: BaseException) -> str:
    """A failed connection in a few words: urllib wraps the cause in URLError.reason."""
    reason = getattr(exc, "reason", None)
    cause = reason if isinstance(reason, BaseException) else exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return "its host name does not resolve"
    if isinstance(cause, TimeoutError):
        return "no answer in time"
    if isinstance(cause, ssl.SSLError):
        return f"TLS failed: {cause.reason or cause}"
    if isinstance(cause, ConnectionError | http.client.HTTPException):
        return "the connection was dropped"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return type(cause).__name__
