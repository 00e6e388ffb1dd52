"""`fsync-bot demo` driven through piped input, as a script or a newcomer would."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.terminal import Terminal


def demo(script: str, *args: str, timeout: float = 90) -> str:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
    }
    env["COLUMNS"] = "120"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        input=script,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_status_sync_to_completion_and_a_conflict_resolved_by_button() -> None:
    term = Terminal()
    try:
        term.expect("> ")
        term.type("/fsync status")
        term.expect("Sync status: 8 workspaces, 2 need attention")
        status = term.expect("production")  # the whole list, not only its first line
        term.type("/fsync sync staging")
        term.expect("Sync of staging requested by")
        synced = term.expect("succeeded")  # the run's card, updated in place
        term.type("/fsync conflicts networking")
        conflicts = term.expect("] Apply desired state")
        term.type("click Apply desired")
        term.expect("Resolved by @admin: apply desired state")
    finally:
        screen = term.close()
    assert status.index("billing-api") < status.index("production")
    assert "card updated in place" in synced
    assert "(sensitive value hidden)" in conflicts
    assert screen.rstrip().endswith("bye") and "Traceback" not in screen


def test_a_poll_interval_that_is_not_a_number_is_refused_with_a_hint() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--poll-interval", "soon"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "'soon' is not a number of seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_viewer_is_refused_and_end_of_input_leaves_cleanly() -> None:
    out = demo("/fsync sync staging\n", "--as", "viewer")
    assert "You are a viewer" in out and "operator role" in out
    assert out.rstrip().endswith("bye")


def test_protected_sync_asks_for_confirmation_and_the_modal_is_filled_in() -> None:
    out = demo(
        "/fsync sync production\nclick Start sync\ny\n/fsync status staging\nclick Edit config\n"
        "on\n2 hours\noff\n/fsync help\nquit\n"
    )
    assert "protected workspace" in out and "Confirm? [y/N] y" in out
    assert "Sync of production requested by" in out
    assert "Form: Edit sync config" in out
    assert "5m → 2h" in out
    assert "/fsync subscribe" in out


def test_an_alert_appears_and_the_simulator_commands_work() -> None:
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("sim fail dev")
        alert = term.expect("🔴 dev failed")
        term.type("home")
        term.expect("App Home")
        term.type("sim down")
        term.expect("simulator:")
        term.type("/fsync status")
        down = term.expect("last known state")
        term.type("sim up")
        term.expect("simulator:")
        term.type("bogus")
        term.expect("Not understood")
    finally:
        screen = term.close()
    assert "#fsync-alerts" in alert
    assert "not answering" in down
    assert "Traceback" not in screen


def test_a_forced_plan_waits_and_approve_applies_it() -> None:
    term = Terminal()
    try:
        term.expect("> ")
        term.type("sim plan data-platform +3 ~0 -1")
        term.expect("waits for approval")
        term.type("/fsync sync data-platform")
        waiting = term.expect("] Discard")  # the run's card, once its plan waits
        term.type("click Approve")
        approved = term.expect("Approved by @admin")
        done = term.expect("succeeded")
    finally:
        screen = term.close()
    assert "+3 ~0 -1" in waiting and "Approve" in waiting
    assert "Approved by" in approved + done
    assert "Traceback" not in screen
