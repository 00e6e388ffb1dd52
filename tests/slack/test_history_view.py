"""`/fsync history`'s view as a pure function: a WorkspaceHistory in, Block Kit out. The
timeline has one character per UTC day, the summary the success rate and mean time to recovery,
and 90 days of dense history stay within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.alerts.history import Taken, summarise
from bot.alerts.history_rows import EpisodeSeen, RunSeen
from bot.slack.blockkit import message_problems
from bot.slack.history_view import history_message, timeline_lines

NOW = datetime(2025, 10, 13, 12, 0, tzinfo=UTC)  # noon: today is half over
TODAY = datetime(2025, 10, 13, tzinfo=UTC)


def day(n: int, hour: float = 0) -> datetime:
    """`n` days before today, at `hour` UTC."""
    return TODAY - timedelta(days=n) + timedelta(hours=hour)


def episode(
    opened: datetime, closed: datetime | None, kind: str = "failed", error: str = "boom"
) -> EpisodeSeen:
    how = "recovered" if closed else None
    return EpisodeSeen(
        f"ep-{opened.isoformat()}", "web", kind, opened, closed, how, 2, 0, error, error
    )


def run(n: int, at: datetime, outcome: str = "success", message: str | None = None) -> RunSeen:
    return RunSeen(f"run-{n}", "web", f"run-{n}", None, at, outcome, "", message)


def test_the_timeline_has_one_character_per_day_oldest_first() -> None:
    episodes = [
        episode(day(5, 6), day(5, 12)),  # part of a day
        episode(day(3, 0), day(2, 0)),  # the whole of one day
        episode(day(0, 9), None, "conflict"),  # today, still open: 3 of 12 hours so far
    ]
    history = summarise("web", 7, NOW, [], episodes, [], watched_from=day(5))
    assert [d.broken for d in history.timeline] == [None, 0.25, 0.0, 1.0, 0.0, 0.0, 0.25]
    assert timeline_lines(history.timeline) == ["Oct 07 ·▆▁█▁▁▆"]


def test_an_approval_waiting_is_not_time_broken() -> None:
    waiting = episode(day(1, 0), day(1, 12), "approval", "")
    history = summarise("web", 7, NOW, [], [waiting], [], watched_from=day(6))
    assert timeline_lines(history.timeline) == ["Oct 07 ▁▁▁▁▁▁▁"]
    assert history.mttr is None


def test_the_summary_gives_the_success_rate_and_the_mean_time_to_recovery() -> None:
    episodes = [episode(day(4, 10), day(4, 11)), episode(day(2, 8), day(2, 11), "conflict")]
    runs = [
        run(1, day(4, 10), "failed", "Error acquiring the state lock <@U123> & <!channel>"),
        run(2, day(4, 11)),
        run(3, day(2, 8), "conflict"),
        run(4, day(2, 11)),
    ]
    taken = [Taken(day(2, 10), "U0ANA", "resolve", "ok", "apply_desired")]
    history = summarise("web", 7, NOW, runs, episodes, taken, watched_from=day(6))
    assert history.success_rate == 0.5
    assert history.mttr == timedelta(hours=2)  # (1h + 3h) / 2
    said = history_message(history)
    assert message_problems(said) == []
    text = json.dumps(said, ensure_ascii=False)
    assert "*50%* of 4 runs succeeded · 2 episodes · mean time to recovery *2h*" in text
    assert "broken 4h in all" in text
    assert "Oct 07 ▁▁▆▁▆▁▁" in text
    assert "<@U0ANA> resolved a conflict (`apply_desired`)" in text
    # The API's error text is shown, never read as a mention or a link.
    assert "&lt;@U123&gt; &amp; &lt;!channel&gt;" in text and "<!channel>" not in text


def test_ninety_days_of_dense_history_is_valid_block_kit_within_limits() -> None:
    episodes, runs = [], []
    for n in range(90):
        for hour in range(0, 24, 3):  # eight episodes a day, each an hour long
            opened = day(n, hour)
            error = f"Error: {'x' * 900} at {opened.isoformat()}"
            episodes.append(episode(opened, opened + timedelta(hours=1), error=error))
            runs += [run(n * 100 + hour, opened, "failed", error), run(n * 100 + hour + 1, opened)]
    taken = [Taken(day(n), "U0ANA", "approve", "ok", f"run-{n}") for n in range(90)]
    history = summarise("web", 90, NOW, runs, episodes[::-1], taken, watched_from=day(95))
    said = history_message(history)
    assert message_problems(said) == []
    assert len(said["blocks"]) <= 50
    lines = timeline_lines(history.timeline)
    assert [len(line) for line in lines] == [37, 37, 37]  # "Jul 16 " and 30 days
    assert set("".join(line[7:] for line in lines)) == {"▆"}
    assert "…and 710 earlier episodes" in json.dumps(said, ensure_ascii=False)


def test_nothing_recorded_says_so() -> None:
    said = history_message(summarise("web", 30, NOW, [], [], [], watched_from=None))
    assert message_problems(said) == []
    assert "No history for `web` in the last 30 days" in said["text"]
