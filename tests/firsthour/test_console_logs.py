"""`fsync-bot demo`: a failed run's card has View log, and clicking it shows the log's last lines
in the terminal, as the modal Slack would show."""

from __future__ import annotations

from tests.support.terminal import Terminal


def test_view_log_on_a_failed_runs_card_shows_its_failing_lines() -> None:
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("sim failnext staging")
        term.expect("the next run of staging will fail")
        term.type("/fsync sync staging")
        term.expect("failed · finished")  # the run's own card, now with View log
        term.type("click View log")
        shown = term.expect("colours removed")
    finally:
        screen = term.close()
    modal = shown.split("Modal: Run log", 1)[1]
    assert "Refreshing state..." in modal and "│ Error: " in modal
    assert "Traceback" not in screen and "Not understood" not in screen
