"""Ages come from the API: a conflict is as old as its `detected_at`, a failure as its sync, even
when fsync first looks much later; "back after ..." counts from there to the sync that fixed it.

Black-box: `fsync-bot run` polling a scripted Sync API (tests/firsthour/drift_api.py) whose
conflict was detected ten minutes and whose failing sync ran seven minutes before fsync started.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.historyslack import HistorySlack
from tests.e2e.test_alerts import cards_about, shown, wait_until
from tests.firsthour.drift_api import DriftApi, ago, rfc
from tests.support.botproc import BotProcess

ALERTS = "CAGES"
# Set when the scripted API starts, not at import: under xdist a module is imported minutes
# before its tests run, and "10m in conflict" would read 13m.
WHEN: dict[str, datetime] = {}


@pytest.fixture(scope="module")
def slack() -> Iterator[HistorySlack]:
    fake = HistorySlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def api() -> Iterator[DriftApi]:
    WHEN.update(detected=ago(minutes=10), failed_sync=ago(minutes=7))
    with DriftApi() as stub:
        stub.set("legacy", status="conflict", open_conflicts=1, last_sync=rfc(WHEN["detected"]))
        stub.conflict(
            "cfl_legacy1",
            id="cfl_legacy1",
            workspace="legacy",
            status="open",
            type="drift",
            detected_at=rfc(WHEN["detected"]),
            summary="1 resource changed outside Terraform",
            resources=[],
            allowed_resolutions=["apply_desired", "accept_remote"],
        )
        failed = rfc(WHEN["failed_sync"])
        stub.set("payments", status="failed", last_sync=failed, message="Error: boom")
        yield stub


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, api: DriftApi, slack: HistorySlack) -> Any:
    workdir = Path(tmp_path_factory.mktemp("ages"))
    env = {"FSYNC_POLL_INTERVAL": "1", "FSYNC_ALERT_CHANNEL": ALERTS}
    process = BotProcess(slack, api.url, "stub-key-not-secret", workdir, **env).start()
    yield process
    process.stop()


def since(card: dict[str, Any]) -> int:
    found = re.search(r"since <!date\^(\d+)\^", shown(card))
    assert found, shown(card)
    return int(found.group(1))


def broadcast(slack: HistorySlack, card: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in slack.replies(ALERTS, card["ts"]) if m.get("reply_broadcast")]


def test_a_conflict_is_as_old_as_the_api_says(
    bot: BotProcess, api: DriftApi, slack: HistorySlack
) -> None:
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "legacy"), what="conflict card")
    assert since(card) == int(WHEN["detected"].timestamp())
    detected = int(WHEN["detected"].timestamp())
    assert f"detected <!date^{detected}^" in shown(card)
    now = datetime.now(UTC)
    api.conflict(
        "cfl_legacy1",
        status="resolved",
        resolution="accept_remote",
        resolved_by="UADMIN001",
        resolved_at=rfc(now),
    )
    api.set("legacy", status="success", open_conflicts=0, last_sync=rfc(now))
    (back,) = wait_until(lambda: broadcast(slack, card), what="the recovery")
    assert "*legacy* is back to success after 10m in conflict" in shown(back)


def test_a_failure_is_as_old_as_its_sync(
    bot: BotProcess, api: DriftApi, slack: HistorySlack
) -> None:
    (card,) = wait_until(lambda: cards_about(slack, ALERTS, "payments"), what="failure card")
    assert since(card) == int(WHEN["failed_sync"].timestamp())
    api.set("payments", status="success", last_sync=rfc(datetime.now(UTC)), message=None)
    (back,) = wait_until(lambda: broadcast(slack, card), what="the recovery")
    assert "*payments* is back to success after 7m failing" in shown(back)
