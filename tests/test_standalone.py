"""The repository stands alone: nothing tracked reads, imports or links a path outside it.

Someone who clones fsync has no sibling folders; a test or benchmark that reached for one would
pass on a developer's machine and fail in their clone.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Walking up out of the tree by hand: `parents[<n>]` of this file, then `.parent` once more.
CLIMB = r"parents\[\d\]\.parent\b"


def outside_pattern() -> re.Pattern[str]:
    """What reaches outside the checkout: its own absolute path, a climb above it, or a path
    into a folder that sits beside it. The sibling names are read from the disk, so this file
    names none of them (and what is beside a CI clone is whatever is there)."""
    siblings = [
        p.name for p in ROOT.parent.iterdir() if p.is_dir() and p != ROOT and p.name[:1] != "."
    ]
    parts = [re.escape(str(ROOT) + "/"), CLIMB]
    for name in siblings:
        # A path into it: `../name/...`, or "name" joined onto a parent (`/ "name" /`). A bare
        # `../x` is no path into anything (test data for refused names has those).
        parts += [re.escape(f"../{name}/"), rf"[\"']{re.escape(name)}[\"']\s*/"]
    return re.compile("|".join(parts))


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_reaches_outside_the_repository() -> None:
    outside = outside_pattern()
    offenders = []
    for path in tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if outside.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert offenders == []


def test_every_fixture_has_its_source_written_down() -> None:
    fixtures = ROOT / "tests" / "fixtures"
    sources = (fixtures / "SOURCES.md").read_text()
    files = [p for p in fixtures.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    assert files
    missing = [p.name for p in files if p.name not in sources]
    assert missing == []
