"""The digest's heat map: a real PNG of the workspaces broken longest, and a plain reason when
there is nothing to draw."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient

from bot.slack.charts import DAY_SECONDS, WORST, Chart, NothingToDraw, broken_heatmap, worst
from tests.fakes import FakeSlack

WEEK = ["Mon 1", "Tue 2", "Wed 3", "Thu 4", "Fri 5", "Sat 6", "Sun 7"]


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, after checking it is a PNG at all."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR", "the first chunk of a PNG is IHDR"
    return struct.unpack(">II", data[16:24])


def drawn(result: Chart | NothingToDraw) -> Chart:
    assert isinstance(result, Chart), result
    return result


def test_the_picture_is_a_png_of_the_worst_20_longest_first() -> None:
    # ws-00 broken 1 h on each day ... ws-29 broken 30 h over the week: the last 20 are the worst.
    broken = {f"ws-{i:02d}": [(i + 1) * 3600 / 7] * 7 for i in range(30)}

    chart = drawn(broken_heatmap(broken, WEEK, title="Last week"))

    assert chart.workspaces == tuple(f"ws-{i:02d}" for i in range(29, 9, -1))
    assert png_size(chart.png) == (chart.width, chart.height)
    assert 600 <= chart.width <= 1600 and 400 <= chart.height <= 1200


def test_workspaces_never_broken_are_not_rows_and_ties_go_by_name() -> None:
    broken = {"zeta": [0] * 7, "beta": [60] * 7, "alpha": [60] * 7, "gamma": [0, 0, 0, 0, 0, 0, 5]}

    assert worst(broken) == ["alpha", "beta", "gamma"]
    assert drawn(broken_heatmap(broken, WEEK)).workspaces == ("alpha", "beta", "gamma")


def test_fewer_than_20_broken_draws_only_those_and_a_shorter_picture() -> None:
    few = drawn(broken_heatmap({"a": [DAY_SECONDS] * 7, "b": [1] * 7}, WEEK))
    many = drawn(broken_heatmap({f"w{i}": [DAY_SECONDS] * 7 for i in range(40)}, WEEK))

    assert few.workspaces == ("a", "b") and len(many.workspaces) == WORST
    assert png_size(few.png)[1] < png_size(many.png)[1]


@pytest.mark.parametrize(
    ("broken", "days", "reason"),
    [
        ({}, WEEK, "no workspace was broken in the period"),
        ({"a": [0] * 7, "b": [0] * 7}, WEEK, "no workspace was broken in the period"),
        ({}, [], "no days in the period"),
        ({"a": []}, [], "no days in the period"),
    ],
)
def test_nothing_to_draw_is_said_not_drawn(broken: dict, days: list, reason: str) -> None:
    assert broken_heatmap(broken, days) == NothingToDraw(reason)


@pytest.mark.parametrize(
    "seconds",
    [[1] * 6, [1] * 8, [-1] + [0] * 6, [float("nan")] + [0] * 6, [DAY_SECONDS + 1] + [0] * 6],
)
def test_numbers_that_cannot_be_a_week_of_broken_seconds_are_refused(seconds: list) -> None:
    with pytest.raises(ValueError, match="ws"):
        broken_heatmap({"ws": seconds}, WEEK)


def test_10000_workspaces_over_90_days_draw_only_the_worst_20() -> None:
    days = [f"d{i}" for i in range(90)]
    noise = random.Random(15)
    broken = {
        f"team-{i:05d}/prod": [noise.choice((0, 0, 0, 60, 900)) for _ in days]
        for i in range(10_000)
    }
    planted = [f"team-{i:05d}/prod" for i in range(0, 10_000, 500)]  # 20 of them, spread out
    for rank, name in enumerate(planted):
        broken[name] = [DAY_SECONDS - rank * 60] * 90

    chart = drawn(broken_heatmap(broken, days))

    assert chart.workspaces == tuple(planted)
    width, height = png_size(chart.png)
    assert width <= 1600 and height <= 1200  # 90 day columns do not make a poster


def test_the_same_numbers_draw_the_same_bytes_from_several_threads_at_once() -> None:
    """No pyplot state: figures drawn side by side do not bleed into each other."""
    inputs = [{f"ws-{k}-{i}": [i * 600 + k] * 7 for i in range(1, 25)} for k in range(4)]
    alone = [
        drawn(broken_heatmap(data, WEEK, title=f"run {k}")).png for k, data in enumerate(inputs)
    ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(
            pool.map(
                lambda k: drawn(broken_heatmap(inputs[k], WEEK, title=f"run {k}")).png, range(4)
            )
        )

    assert together == alone
    assert len(set(alone)) == 4


def test_a_bot_starts_without_importing_matplotlib() -> None:
    """Guard (true on the base commit too): the chart's import cost stays off start-up."""
    probe = (
        "import sys, bot.app; "
        "print(sorted(m for m in ('matplotlib', 'bot.slack.charts') if m in sys.modules))"
    )

    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


def test_the_chart_reaches_the_channel_intact_through_files_upload_v2() -> None:
    chart = drawn(broken_heatmap({"payments-prod": [3600] * 7, "web-dev": [60] * 7}, WEEK))
    slack = FakeSlack().start()
    try:
        WebClient(base_url=slack.api_url, token="xoxb-chart-test").files_upload_v2(
            channel="C0DIGEST", content=chart.png, filename="week.png", title="Last week"
        )
        [shared] = slack.files_in("C0DIGEST")
    finally:
        slack.stop()

    assert shared.data == chart.png and png_size(shared.data) == (chart.width, chart.height)
