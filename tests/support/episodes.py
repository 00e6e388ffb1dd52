"""An alert episode as the poller records it: the alert tables, and history when asked."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.alerts import history_repo, repo
from bot.alerts.model import Episode, EventKind
from bot.store import Store


def record_failure(store: Store, id_: str, opened: datetime, *, in_history: bool = True) -> None:
    """prod-eu failed at `opened` ("state lock") and was back three hours later."""
    failure = Episode(
        id_,
        "prod-eu",
        EventKind.FAILED,
        opened,
        "failed",
        "state lock",
        "state lock",
        1,
        closed_at=opened + timedelta(hours=3),
        closed_how="recovered",
    )
    with store.transaction() as db:
        repo.save_tick(
            db,
            seen={},
            removed=[],
            episodes=[failure],
            cards=[],
            health=repo.ApiHealth(),
            reminded=[],
        )
        if in_history:
            assert history_repo.record(db, [], [failure])  # what the chart is drawn from
