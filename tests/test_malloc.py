"""A process built by bot.wiring gives listing-sized buffers back to the system when it frees
them (bot/malloc.py): the poller's RSS no longer ratchets up tick after tick."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# A 24 MB block freed raises glibc's default mmap threshold to 24 MB; a 12 MB buffer after it
# then comes from the heap and stays resident once freed (the poller: one listing, then the next).
PROBE = """
import sys
from pathlib import Path
from bot.settings import Settings

def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "built":
    from bot import wiring
    wiring.build(Settings(
        slack_bot_token="xoxb-test", slack_api_url="http://127.0.0.1:9/api/",
        firestartr_api_url="http://127.0.0.1:9", firestartr_api_key="k",
        db_path=Path(sys.argv[2]) / "fsync.db", alert_channel="CALERTS",
    ))
first = bytearray(24 << 20); first[::4096] = b"x" * len(first[::4096]); del first
before = rss()
body = bytearray(12 << 20); body[::4096] = b"x" * len(body[::4096]); del body
print(round(rss() - before))
"""


def _kept_mb(mode: str, tmp_path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(tmp_path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.strip())


def test_a_freed_12_mb_buffer_leaves_the_built_process(tmp_path: Path) -> None:
    assert _kept_mb("built", tmp_path) < 4


def test_without_it_glibc_keeps_the_buffer_resident(tmp_path: Path) -> None:
    """Guard: the probe shows the behaviour the fix is for (true on the base commit too)."""
    assert _kept_mb("bare", tmp_path) >= 10
