"""sqlite-utils, imported without numpy: every module of ours that uses sqlite-utils imports it
from here, so whichever of them loads first loads it this way.

sqlite-utils imports numpy (and pandas) at import time when they are installed, only to map
numpy's column types; fsync never hands it a numpy value. numpy is installed for matplotlib (the
digest chart, bot/slack/charts.py), and importing it costs a process ~17 MB that it keeps for its
lifetime: at 50,000 workspaces a tenth of the poller's 150 MB budget. With numpy hidden while
sqlite-utils loads, sqlite-utils takes the path it takes when numpy is not installed; a chart
imports numpy later as usual (sqlite-utils' type map then lacks numpy's types, which we never
insert).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def _absent(names: tuple[str, ...]) -> Iterator[None]:
    """Within the block, `import name` raises ImportError for each name not imported yet (a
    None in sys.modules does that); afterwards sys.modules is as it was. A module already
    loaded is left alone: hiding it would save nothing."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


with _absent(("numpy", "pandas")):
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

__all__ = ["Migrations", "sqlite_utils"]
