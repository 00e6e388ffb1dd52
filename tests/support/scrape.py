"""Read a running fsync's `GET /metrics`: samples keyed as Prometheus writes them,
`fsync_commands_total{name="status",outcome="ok"}` (labels sorted), and a wait on a counter."""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[str, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def scrape(http: httpx.Client) -> dict[str, float]:
    answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return samples(answer.text)


def wait_above(
    http: httpx.Client, key: str, before: dict[str, float], timeout: float = 15.0
) -> dict[str, float]:
    """Scrape until `key` counts more than it did in `before`; the scrape that showed it."""
    deadline = time.monotonic() + timeout
    while True:
        now = scrape(http)
        if now.get(key, 0.0) > before.get(key, 0.0):
            return now
        if time.monotonic() > deadline:
            moved = {k: v for k, v in now.items() if k.startswith(key.split("{")[0])}
            raise AssertionError(f"{key} did not move from {before.get(key)}: {moved}")
        time.sleep(0.05)
