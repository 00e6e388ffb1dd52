"""sqlite-utils is loaded without numpy (bot/sqlite_lib.py): ~17 MB a poller never uses."""

from __future__ import annotations

import subprocess
import sys


def _run(probe: str) -> str:
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_the_poller_and_its_store_load_without_numpy_and_sqlite_utils_still_works() -> None:
    probe = (
        "import sys, bot.wiring, bot.store, sqlite_utils\n"
        "print('numpy' in sys.modules, 'pandas' in sys.modules)\n"
        "db = sqlite_utils.Database(memory=True)\n"
        "db['t'].insert_all([{'id': 1, 'n': 2.5, 's': 'x', 'b': b'\\x00'}], pk='id')\n"
        "print(db['t'].columns_dict, list(db['t'].rows))\n"
    )

    first, second = _run(probe).splitlines()

    assert first == "False False"
    assert second == (
        "{'id': <class 'int'>, 'n': <class 'float'>, 's': <class 'str'>, 'b': <class 'bytes'>}"
        " [{'id': 1, 'n': 2.5, 's': 'x', 'b': b'\\x00'}]"
    )


def test_numpy_imports_as_usual_after_the_store_and_a_chart_still_draws() -> None:
    probe = (
        "import sys, bot.store, numpy\n"
        "from bot.slack.charts import broken_heatmap\n"
        "print(type(sys.modules['numpy']).__name__, numpy.arange(3).sum())\n"
        "chart = broken_heatmap({'web-prod': [3600] * 7}, [f'2026-01-0{d}' for d in range(1, 8)])\n"
        "print(chart.png[:8])\n"
    )

    assert _run(probe).splitlines() == ["module 3", r"b'\x89PNG\r\n\x1a\n'"]


def test_numpy_already_loaded_is_left_as_it_is() -> None:
    probe = (
        "import sys, numpy\n"
        "before = sys.modules['numpy']\n"
        "import bot.store, sqlite_utils.db\n"
        "print(sys.modules['numpy'] is before, sqlite_utils.db.np is before)\n"
    )

    assert _run(probe) == "True True"
