"""Reading a run's log for a person: which run (the one a button names, or the last one of a
workspace), its details when the API has them, and its last lines, or why there are none.

Anyone may read a log, viewers included: logs are read-only, like the status. Every way a log
can be missing is an answer here (`RunLog.missing`), never an error for the listener to catch:
the modal that asked says it in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.service import FsyncService
from bot.errors import FeatureUnavailable, FsyncError, RunNotFound
from bot.firestartr.client import SyncClient
from bot.firestartr.models import Run
from bot.firestartr.names import validate_id, validate_name

log = logging.getLogger(__name__)

TAIL = 200  # lines asked for: the end of a failed run, where its error is


class Missing:
    NO_LOGS = "no_logs"  # the API has no log endpoint (a 404/405 from it)
    NO_RUN = "no_run"  # the workspace has no run that fsync can name
    NOT_FOUND = "not_found"  # the API does not know the run (any more)
    ERROR = "error"  # the API could not be asked: `problem` says why


@dataclass(frozen=True)
class RunLog:
    workspace: str | None
    run_id: str | None
    run: Run | None = None  # None when the API has no run details
    text: str | None = None  # the last lines as sent (colour codes and all)
    missing: str | None = None
    problem: str = ""  # a user_message, for Missing.ERROR

    @property
    def status(self) -> str | None:
        return self.run.status if self.run is not None else None


def fetch(service: FsyncService, run_id: str | None, workspace: str | None) -> RunLog:
    """The log of `run_id`, else of the workspace's last run (as the fleet listing names it)."""
    try:
        if not run_id and workspace:
            ws = service.fleet().find(validate_name(workspace))
            run_id = (ws.last_run_id or ws.current_run_id) if ws is not None else None
    except FsyncError as exc:
        return RunLog(workspace, run_id, missing=Missing.ERROR, problem=exc.user_message)
    return read(service.client, run_id, workspace)


def read(client: SyncClient, run_id: str | None, workspace: str | None) -> RunLog:
    if not run_id:
        return RunLog(workspace, None, missing=Missing.NO_RUN)
    try:
        validate_id(run_id, "run id")
        run = _details(client, run_id)
        text = client.run_log(run_id, tail=TAIL)
    except FeatureUnavailable:
        return RunLog(workspace, run_id, missing=Missing.NO_LOGS)
    except RunNotFound:
        return RunLog(workspace, run_id, missing=Missing.NOT_FOUND)
    except FsyncError as exc:
        return RunLog(workspace, run_id, missing=Missing.ERROR, problem=exc.user_message)
    return RunLog(workspace or (run.workspace if run else None), run_id, run, text)


def _details(client: SyncClient, run_id: str) -> Run | None:
    """The run's status and links, when the API offers run details (the log does without)."""
    try:
        return client.get_run(run_id)
    except FeatureUnavailable:
        return None
