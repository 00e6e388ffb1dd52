"""The interactive Slack Web API client and the retries it may make."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings

# Methods that create something each time they are called: after a 5xx or a dropped connection
# Slack may have done it already, so retrying blindly could post twice (bot/slack/posting.py).
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")


def _creates(request: HttpRequest) -> bool:
    return urlparse(request.url).path.rstrip("/").rsplit("/", 1)[-1] in NOT_IDEMPOTENT


def _never_sent(error: Exception | None) -> bool:
    """A refused connection: the request never reached Slack, so even a post may be retried."""
    return isinstance(getattr(error, "reason", error), ConnectionRefusedError)


class _ServerErrors(ServerErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _creates(request):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _ConnectionErrors(ConnectionErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _creates(request) and not _never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def slack_web_client(settings: Settings, *, logger: logging.Logger | None = None) -> WebClient:
    """The interactive Slack Web API client: SLACK_API_URL; retries on 429 (Slack did nothing)
    and, except for posts, on 5xx and dropped connections (reads and chat.update are safe).
    `logger` replaces slack_sdk's own (bot/startup.py asks Slack without its log lines)."""
    return WebClient(
        token=Settings.secret(settings.slack_bot_token) or None,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logger,
        retry_handlers=[
            _ConnectionErrors(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            _ServerErrors(max_retry_count=3),
        ],
    )
