"""Metrics: what `GET /metrics` answers, in Prometheus text format (prometheus-client).

One `Metrics` per running fsync, built with `Deps` and handed to what records (the Sync API
client and its rate limiter, the poller, the alert sender, the listeners, the HTTP edge). Each
owns its registry rather than prometheus-client's global one, so tests and several apps in one
process never see each other's counts.

Labels are bounded and never carry what is secret or personal: endpoints are route templates
(`GET /workspaces/{name}/sync`, never a workspace name), command names come from the parser's
fixed list, action ids from `bot.slack.ids.Action`, reasons from a fixed set; no token, user id
or response_url ever becomes a label.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
POLL_OUTCOMES = ("ok", "failed", "rate_limited", "lease_lost", "crashed")
OUTCOMES = ("ok", "refused", "error")
# Why an alert was given up on: a fixed set, never Slack's own error string.
FAILURES = ("card_missing", "refused", "retries_exhausted")
# Acks are due within Slack's 3 s: the buckets are finest below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

# (count of unsent deliveries, seconds the oldest has waited or None)
Backlog = Callable[[], tuple[int, float | None]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter(
            "fsync_polls", "Alert polls of the Sync API, by outcome", ["outcome"], registry=r
        )
        self.poll_seconds = Histogram(
            "fsync_poll_duration_seconds", "How long one alert poll took", registry=r
        )
        self.sync_api_requests = Counter(
            "fsync_sync_api_requests",
            "Sync API requests by endpoint template and HTTP status ('error': no answer)",
            ["endpoint", "status"],
            registry=r,
        )
        self.sync_api_429s = Counter(
            "fsync_sync_api_429", "Sync API answers 429 (rate limited)", registry=r
        )
        self.rate_limiter_waits = Histogram(
            "fsync_rate_limiter_wait_seconds",
            "Seconds a Sync API call waited for the rate limiter (only calls that waited)",
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.alerts_sent = Counter("fsync_alerts_sent", "Alert messages Slack took", registry=r)
        self.alerts_failed = Counter(
            "fsync_alerts_failed", "Alert messages given up on, by reason", ["reason"], registry=r
        )
        self.commands = Counter(
            "fsync_commands",
            "/fsync commands by subcommand and outcome",
            ["name", "outcome"],
            registry=r,
        )
        self.clicks = Counter(
            "fsync_clicks",
            "Button clicks by action id and outcome",
            ["action", "outcome"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            "fsync_ack_latency_seconds",
            "From a Slack request's arrival to its ack being sent",
            buckets=ACK_BUCKETS,
            registry=r,
        )
        # Wall-clock time of the last poll that read the fleet (readiness, bot/health.py).
        self.last_good_poll: float | None = None
        self.lease_held: Callable[[], bool] | None = None

    # --- recording ---------------------------------------------------------------------------
    def poll(self, outcome: str, seconds: float) -> None:
        self.polls.labels(outcome=_one_of(outcome, POLL_OUTCOMES, other="crashed")).inc()
        self.poll_seconds.observe(seconds)
        if outcome == "ok":
            self.last_good_poll = time.time()

    def sync_api_request(self, endpoint: str, status: int | str) -> None:
        self.sync_api_requests.labels(endpoint=endpoint, status=str(status)).inc()
        if status == 429:
            self.sync_api_429s.inc()

    def rate_limiter_wait(self, seconds: float) -> None:
        self.rate_limiter_waits.observe(seconds)

    def alert_sent(self) -> None:
        self.alerts_sent.inc()

    def alert_failed(self, reason: str) -> None:
        self.alerts_failed.labels(reason=_one_of(reason, FAILURES, other="refused")).inc()

    def command(self, name: str, outcome: str) -> None:
        self.commands.labels(name=name, outcome=_one_of(outcome, OUTCOMES)).inc()

    def click(self, action: str, outcome: str) -> None:
        self.clicks.labels(action=action, outcome=_one_of(outcome, OUTCOMES)).inc()

    def ack(self, seconds: float) -> None:
        self.ack_seconds.observe(seconds)

    def watch_outbox(self, backlog: Backlog) -> None:
        """Outbox depth and the oldest pending age, read from the store at each scrape."""
        self.registry.register(_Outbox(backlog))

    def watch_lease(self, held: Callable[[], bool]) -> None:
        """Whether this process holds the poller lease (a gauge, and readiness)."""
        self.lease_held = held
        self.registry.register(
            _Gauge("fsync_poller_lease_held", "1 while this process polls", held)
        )

    # --- scraping ----------------------------------------------------------------------------
    def scrape(self) -> bytes:
        return generate_latest(self.registry)


class _Outbox(Collector):
    def __init__(self, backlog: Backlog) -> None:
        self.backlog = backlog

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Declared without reading the store: registering must not touch the database.
        yield GaugeMetricFamily("fsync_outbox_depth", "Alert deliveries not in Slack yet")
        yield GaugeMetricFamily(
            "fsync_outbox_oldest_pending_seconds", "Age of the oldest undelivered alert"
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth, oldest = self.backlog()
        except Exception:  # the database is unavailable: the other metrics still answer
            return
        yield GaugeMetricFamily(
            "fsync_outbox_depth", "Alert deliveries not in Slack yet", value=depth
        )
        yield GaugeMetricFamily(
            "fsync_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered alert",
            value=oldest or 0.0,
        )


class _Gauge(Collector):
    def __init__(self, name: str, text: str, read: Callable[[], float]) -> None:
        self.name, self.text, self.read = name, text, read

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.text)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.name, self.text, value=float(self.read()))


def _one_of(value: str, allowed: tuple[str, ...], other: str = "error") -> str:
    return value if value in allowed else other
