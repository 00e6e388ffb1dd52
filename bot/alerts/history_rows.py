"""What history holds, as the readers and the poller pass it around (bot/alerts/history_repo.py
stores it): a run seen, an episode seen, and how their times are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

MAX_ERROR = 500  # characters of an error kept per run and episode


class RunSeen(NamedTuple):
    """A NamedTuple, not a dataclass: a 1%-changed tick at 50,000 workspaces makes 500 of them,
    and a frozen dataclass took three times as long to build (bench/poll_tick)."""

    id: str
    workspace: str
    run_id: str | None
    started_at: datetime | None  # when fsync saw it start, if it did
    finished_at: datetime | None
    outcome: str  # the workspace's status after it: success | failed | conflict ... | running
    fingerprint: str = ""
    message: str | None = None
    runs: int = 1  # successes in a row on one UTC day share a row: how many, this the last
    # Written only: its last_sync is new, so an id history holds already was another sync's.
    fresh: bool = True
    # Written only: the listing's last_sync that this run moved. A success after a success
    # writes no snapshot row (repo.routine): folding the run brings the stored row up to it.
    last_sync: datetime | None = None


@dataclass(frozen=True, slots=True)
class EpisodeSeen:
    id: str
    workspace: str
    kind: str  # failed | conflict | stalled | approval | api
    opened_at: datetime
    closed_at: datetime | None
    closed_how: str | None
    failures: int
    conflicts: int
    first_error: str | None
    last_error: str | None


def text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
